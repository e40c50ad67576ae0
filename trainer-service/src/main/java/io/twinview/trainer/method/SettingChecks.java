package io.twinview.trainer.method;

import io.twinview.proto.v1.PredictorSpec;
import io.twinview.proto.v1.ProjectorSpec;

/**
 * Range checks of one method's settings, naming each field by its path in RunSpec ({@code byol.tau_base},
 * {@code simsiam.predictor.lr_scale}). Every check passes its value through, so a method's resolver
 * reads as the list of its fields and their ranges. NaN fails every check.
 */
public final class SettingChecks {

    /** Widths of projector and predictor layers. */
    public static final int MAX_WIDTH = 16_384;
    /** Linear layers of a projector. */
    public static final int MAX_PROJECTOR_LAYERS = 4;

    private final String prefix;

    /** @param settingsField the method's field in RunSpec, e.g. {@code byol} */
    SettingChecks(String settingsField) {
        this.prefix = settingsField + ".";
    }

    /** @return value, when min <= value <= max */
    public int between(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw invalid(field, value, min + ".." + max);
        }
        return value;
    }

    /** @return value, when 0 <= value < 1 (a moving-average rate) */
    public double rate(String field, double value) {
        if (!(value >= 0 && value < 1)) {
            throw invalid(field, value, "0 <= value < 1");
        }
        return value;
    }

    /** @return value, when 0 <= value and finite (a weight, a floor) */
    public double nonNegative(String field, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw invalid(field, value, "a number >= 0");
        }
        return value;
    }

    /** @return value, when 0 < value <= max */
    public double positiveAtMost(String field, double value, double max) {
        if (!(value > 0 && value <= max)) {
            throw invalid(field, value, "a number in (0, " + max + "]");
        }
        return value;
    }

    /**
     * A projector with its default width filled in (unset hidden_dim: the encoder's feature width)
     * and every field checked.
     */
    public ProjectorSpec projector(ProjectorSpec projector, RunShape run) {
        int hidden = projector.hasHiddenDim() ? projector.getHiddenDim() : run.encoder().featureDim();
        return ProjectorSpec.newBuilder()
                .setHiddenDim(between("projector.hidden_dim", hidden, 1, MAX_WIDTH))
                .setOutputDim(between("projector.output_dim", projector.getOutputDim(), 1, MAX_WIDTH))
                .setLayers(between("projector.layers", projector.getLayers(), 1, MAX_PROJECTOR_LAYERS))
                .build();
    }

    /** A learned predictor, every field checked. */
    public PredictorSpec predictor(PredictorSpec predictor) {
        return predictor.toBuilder()
                .setHiddenDim(between("predictor.hidden_dim", predictor.getHiddenDim(), 1, MAX_WIDTH))
                .setLrScale(positiveAtMost("predictor.lr_scale", predictor.getLrScale(), 1000))
                .setFixedLr(predictor.getFixedLr())
                .build();
    }

    /** @param field relative to the method's settings, e.g. {@code queue_size} */
    public InvalidSettingException invalid(String field, Object value, String allowed) {
        return new InvalidSettingException(prefix + field, value, allowed);
    }
}
