package io.twinview.trainer.method;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.twinview.proto.v1.RunSpec;
import java.util.Map;

/**
 * One registered method: its key, its paper, its default run, and its own settings message (a field
 * of RunSpec's {@code method_settings} oneof named after the key, '-' written '_') with the default
 * and the range of every field, as solo-learn's {@code add_and_assert_specific_cfg}.
 *
 * @param key the value of --method
 * @param paper link to the paper the implementation follows
 * @param recipe the CPU-budget run a spec gets for every run-level field it leaves unset
 * @param defaults the method's settings for every field a spec leaves unset; a projector's unset
 *                 hidden width is the encoder's
 * @param checks the range of each of the message's own int and double fields, by field name (the
 *               projector and predictor have theirs in {@link SettingChecks})
 * @param factory builds the method from resolved settings
 * @param <S> the settings message
 */
public record MethodDefinition<S extends Message>(
        String key, String paper, Recipe recipe, S defaults, Map<String, SettingCheck> checks, Factory<S> factory) {

    @FunctionalInterface
    public interface Factory<S extends Message> {
        SslMethod create(MethodContext context, S settings);
    }

    /** The name of this method's settings field in RunSpec: the key, '-' written '_'. */
    public String settingsField() {
        return key.replace('-', '_');
    }

    /** This method's settings field in RunSpec. */
    public FieldDescriptor field() {
        return RunSpec.getDescriptor().findFieldByName(settingsField());
    }

    /**
     * The settings a run of this method trains with: the requested ones (none is fine) over the
     * defaults, completed and checked.
     *
     * @throws InvalidSettingException naming the field, its value and what is allowed
     */
    public S resolve(RunSpec requested, RunShape run) {
        @SuppressWarnings("unchecked")
        S merged = (S) defaults.toBuilder()
                .mergeFrom((Message) requested.getField(field()))
                .build();
        return new SettingChecks(settingsField(), run).resolve(merged, checks);
    }

    /** The resolved settings a spec holds for this method. */
    public S settings(RunSpec resolved) {
        return cast((Message) resolved.getField(field()));
    }

    /** @param settings this method's settings message, resolved */
    public SslMethod create(MethodContext context, Message settings) {
        return factory.create(context, cast(settings));
    }

    private S cast(Message settings) {
        if (!defaults.getClass().isInstance(settings)) {
            throw new IllegalArgumentException("method " + key + " takes "
                    + defaults.getDescriptorForType().getName() + ", got "
                    + settings.getDescriptorForType().getName());
        }
        @SuppressWarnings("unchecked")
        S typed = (S) settings;
        return typed;
    }
}
