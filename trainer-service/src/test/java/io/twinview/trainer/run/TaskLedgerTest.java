package io.twinview.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskLedgerTest {

    @Test
    void duplicatesOfATaskAreDroppedAndItsCreditReturnsWhenComplete() {
        TaskLedger ledger = new TaskLedger();
        ledger.published(0, 2);
        assertEquals(1, ledger.openCount(), "a published task holds credit");
        assertEquals(TaskLedger.Verdict.NEW, ledger.accept(0, 0, 2));
        assertEquals(TaskLedger.Verdict.DUPLICATE, ledger.accept(0, 0, 2), "the same (task, sequence) twice");
        assertEquals(TaskLedger.Verdict.NEW, ledger.accept(0, 1, 2));
        assertEquals(0, ledger.openCount(), "complete: its credit returns");
        assertEquals(TaskLedger.Verdict.DUPLICATE, ledger.accept(0, 1, 2), "a late copy of a complete task");
    }

    @Test
    void aTaskWhoseRecordsArriveBeforeItIsPublishedAgainDoesNotHoldCreditForever() {
        // after a restart: records of task 5 (published by the process that died) arrive before
        // this process reaches task 5 in its own publishing
        TaskLedger ledger = TaskLedger.restore(5, List.of());
        assertEquals(TaskLedger.Verdict.NEW, ledger.accept(5, 0, 2));
        assertEquals(TaskLedger.Verdict.NEW, ledger.accept(6, 0, 2));
        assertEquals(
                0,
                ledger.openCount(),
                "not yet published here, incomplete: tracked but holding no credit, or records naming later tasks "
                        + "(a previous process's, or forged) could shut the window in front of their publication");
        assertEquals(TaskLedger.Verdict.NEW, ledger.accept(5, 1, 2));
        assertEquals(0, ledger.openCount(), "complete before its publication: no credit either");
        assertEquals(
                List.of(5L, 6L),
                ledger.snapshot(Map.of()).stream().map(t -> t.getTaskId()).toList(),
                "both are still in the checkpoint's ledger, with what arrived of them");
        ledger.published(5, 2);
        assertEquals(6, ledger.nextTaskId());
        assertEquals(0, ledger.openCount(), "published after all its records arrived: complete, no credit");
        ledger.published(6, 2);
        assertEquals(1, ledger.openCount(), "task 6, half arrived, holds credit once published");
        assertEquals(TaskLedger.Verdict.DUPLICATE, ledger.accept(5, 0, 2), "its republished copies are duplicates");
        assertEquals(
                List.of(6L),
                ledger.snapshot(Map.of()).stream().map(t -> t.getTaskId()).toList(),
                "task 5 is done");
    }

    @Test
    void theSnapshotLeavesOutRecordsNotYetTrained() {
        TaskLedger ledger = new TaskLedger();
        ledger.published(0, 3);
        ledger.published(1, 2);
        ledger.accept(0, 0, 3);
        ledger.accept(0, 1, 3);
        ledger.accept(1, 0, 2);
        ledger.accept(1, 1, 2); // task 1 complete
        BitSet waiting0 = new BitSet();
        waiting0.set(1);
        BitSet waiting1 = new BitSet();
        waiting1.set(0);
        var snapshot = ledger.snapshot(
                Map.of(0L, new TaskLedger.Untrained(3, waiting0), 1L, new TaskLedger.Untrained(2, waiting1)));
        assertEquals(2, snapshot.size(), "task 0 is open, task 1 reopens for its waiting record");
        assertEquals(
                List.of(0),
                snapshot.get(0).getSeenSequencesList(),
                "task 0: record 1 waits, only record 0 counts as done");
        assertEquals(
                List.of(1), snapshot.get(1).getSeenSequencesList(), "task 1: record 0 waits, record 1 counts as done");
    }
}
