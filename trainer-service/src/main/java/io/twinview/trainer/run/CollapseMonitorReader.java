package io.twinview.trainer.run;

import io.twinview.proto.v1.CollapseMonitors;
import io.twinview.trainer.train.Stepper;
import org.jboss.logging.Logger;

/**
 * Reads the collapse monitors on the last batch's embeddings for each checkpoint (they travel in
 * its manifest and in every progress after it), and says so when they warn of collapse.
 */
final class CollapseMonitorReader implements RunListener {

    private final Stepper learner;

    CollapseMonitorReader(Stepper learner) {
        this.learner = learner;
    }

    @Override
    public void onCheckpoint(RunExecution run) {
        CollapseMonitors monitors = learner.monitors().toProto(run.step());
        run.setMonitors(monitors);
        if (!monitors.getWarning().isEmpty()) {
            run.note(Logger.Level.WARN, monitors.getWarning() + " at step " + run.step());
        }
    }
}
