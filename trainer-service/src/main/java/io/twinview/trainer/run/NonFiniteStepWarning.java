package io.twinview.trainer.run;

import io.twinview.trainer.train.Stepper;
import org.jboss.logging.Logger;

/** Says so when a step's loss or gradient was NaN or infinite (the learner skipped its update; the counters count it). */
final class NonFiniteStepWarning implements RunListener {

    @Override
    public void onStep(RunExecution run, Stepper.StepResult result) {
        if (!result.finite()) {
            run.note(
                    Logger.Level.WARN,
                    "step " + run.step() + ": " + result.cause() + " held NaN or infinite values (loss " + result.loss()
                            + "): update skipped, " + run.counters().nonFiniteSteps() + " so far");
        }
    }
}
