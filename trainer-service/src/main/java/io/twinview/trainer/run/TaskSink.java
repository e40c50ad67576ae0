package io.twinview.trainer.run;

import io.twinview.proto.v1.AugmentTask;
import java.util.List;

/** Where tasks for augment workers go (the shared tasks topic). */
public interface TaskSink {

    /** Publishes the tasks and returns once the broker has acknowledged every one. */
    void publish(List<AugmentTask> tasks);
}
