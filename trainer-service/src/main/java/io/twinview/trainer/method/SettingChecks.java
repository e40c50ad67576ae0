package io.twinview.trainer.method;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.twinview.proto.v1.PredictorSpec;
import io.twinview.proto.v1.ProjectorSpec;
import java.util.Map;

/**
 * Resolves one method's settings: fills in what follows from the run (a projector's default width)
 * and checks every field, naming it by its path in RunSpec ({@code byol.tau_base},
 * {@code simsiam.predictor.lr_scale}). The shared heads, {@link ProjectorSpec} and
 * {@link PredictorSpec}, are checked here; a method's own scalars against the {@link SettingCheck}s
 * it declares. NaN fails every check.
 */
final class SettingChecks {

    /** Widths of projector and predictor layers. */
    static final int MAX_WIDTH = 16_384;
    /** Linear layers of a projector. */
    static final int MAX_PROJECTOR_LAYERS = 4;

    private static final SettingCheck WIDTH = SettingCheck.between(1, MAX_WIDTH);

    private final String prefix;
    private final RunShape run;

    /** @param settingsField the method's field in RunSpec, e.g. {@code byol} */
    SettingChecks(String settingsField, RunShape run) {
        this.prefix = settingsField + ".";
        this.run = run;
    }

    /**
     * Every field of {@code settings} resolved and checked: heads by their own rules, scalars by
     * {@code checks}, booleans as they are.
     *
     * @throws InvalidSettingException naming the first field out of range
     */
    <S extends Message> S resolve(S settings, Map<String, SettingCheck> checks) {
        Message.Builder resolved = settings.toBuilder();
        for (FieldDescriptor field : settings.getDescriptorForType().getFields()) {
            Object value = settings.getField(field);
            if (value instanceof ProjectorSpec projector) {
                resolved.setField(field, projector(projector));
            } else if (value instanceof PredictorSpec predictor) {
                resolved.setField(field, predictor(predictor));
            } else if (field.getJavaType() == FieldDescriptor.JavaType.INT
                    || field.getJavaType() == FieldDescriptor.JavaType.DOUBLE) {
                check(field.getName(), (Number) value, checks.get(field.getName()));
            }
        }
        @SuppressWarnings("unchecked")
        S built = (S) resolved.build();
        return built;
    }

    /** A projector with its default width (unset hidden_dim: the encoder's feature width). */
    private ProjectorSpec projector(ProjectorSpec projector) {
        int hidden = projector.hasHiddenDim()
                ? projector.getHiddenDim()
                : run.encoder().featureDim();
        check("projector.hidden_dim", hidden, WIDTH);
        check("projector.output_dim", projector.getOutputDim(), WIDTH);
        check("projector.layers", projector.getLayers(), SettingCheck.between(1, MAX_PROJECTOR_LAYERS));
        return projector.toBuilder().setHiddenDim(hidden).build();
    }

    private PredictorSpec predictor(PredictorSpec predictor) {
        check("predictor.hidden_dim", predictor.getHiddenDim(), WIDTH);
        check("predictor.lr_scale", predictor.getLrScale(), SettingCheck.positiveAtMost(1000));
        return predictor.toBuilder().setFixedLr(predictor.getFixedLr()).build();
    }

    private void check(String field, Number value, SettingCheck check) {
        String allowed = check.problem(value.doubleValue(), run);
        if (allowed != null) {
            throw new InvalidSettingException(prefix + field, value, allowed);
        }
    }
}
