package io.twinview.core.data;

/**
 * What a run pre-trains on and which labelled sets its evaluation probes use, when the user names
 * none (see {@link Datasets#defaultSplits}).
 *
 * @param pretrainUri  images the SSL method trains on (labels unused)
 * @param evalTrainUri labelled set the k-NN bank and the linear classifier are fitted on
 * @param evalTestUri  labelled set the probes are scored on; {@code null} when the data has no
 *                     held-out images (then the caller must name one or skip test scores)
 * @param note         one line saying what was chosen and why, for logs and run status
 */
public record EvalSplits(String pretrainUri, String evalTrainUri, String evalTestUri, String note) {

    public boolean hasEvalTest() {
        return evalTestUri != null;
    }
}
