package io.twinview.trainer.optim;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * Updates parameters from their gradients, in place, and zeroes the gradients. Written on NDArrays
 * rather than DJL's optimizers so that the state (momentum buffers, moments) can be checkpointed
 * and the update follows torch.optim exactly (DJL's SGD folds the learning rate into the momentum
 * buffer, which differs once the learning rate changes).
 */
public interface Optimizer {

    /**
     * One update of every parameter.
     *
     * @param step arrays created here are attached to it and freed when the caller closes it
     */
    void update(List<TrainableParameter> parameters, double learningRate, NDManager step);

    /** The state, one named array per buffer, names derived from the parameter names. */
    NDList state();

    /** Restores {@link #state()} from a checkpoint; arrays are copied into this optimizer's manager. */
    void loadState(NDList state);
}
