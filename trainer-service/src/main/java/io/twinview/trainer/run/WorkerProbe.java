package io.twinview.trainer.run;

import java.util.OptionalInt;

/**
 * Asks whether any augment worker is there to take the run's tasks: the members of the workers'
 * consumer group. Asked only when the run has stalled, so the loop stays free of broker calls.
 */
public interface WorkerProbe {

    /** Nobody to ask: a stalled run republishes on the stall timeout alone. */
    WorkerProbe UNKNOWN = new WorkerProbe() {
        @Override
        public OptionalInt members() {
            return OptionalInt.empty();
        }

        @Override
        public String describe() {
            return "augment workers";
        }
    };

    /** Workers in the group now; empty when that cannot be told (the broker does not answer). */
    OptionalInt members();

    /** What is asked, for messages: "consumer group 'twinview-augment'". */
    String describe();
}
