package io.twinview.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
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
    void aResumedLedgerHasTheTasksFromTheStreamPositionOpenAndTheRecordsBeforeItSeen() {
        // the checkpoint: tasks 0..5 published, the stream's first untrained pair in record 1 of task 3
        TaskLedger ledger = TaskLedger.resumeAt(6, 3, 1, task -> 2);
        assertEquals(6, ledger.nextTaskId(), "what was published stays published");
        assertEquals(List.of(3L, 4L, 5L), List.copyOf(ledger.openTaskIds()), "tasks from the position on are open");
        assertEquals(TaskLedger.Verdict.DUPLICATE, ledger.accept(2, 1, 2), "a record of a trained task");
        assertEquals(TaskLedger.Verdict.DUPLICATE, ledger.accept(3, 0, 2), "a record before the position");
        assertEquals(TaskLedger.Verdict.NEW, ledger.accept(3, 1, 2), "the record at the position is read again");
        assertEquals(List.of(4L, 5L), List.copyOf(ledger.openTaskIds()), "and completes its task");
        assertEquals(TaskLedger.Verdict.NEW, ledger.accept(7, 0, 2), "a record the previous process published");
    }

    @Test
    void aPositionBeyondWhatWasPublishedCountsAsPublished() {
        // records of tasks a process published after its checkpoint were trained by... none: but a
        // stream position past next_task_id (records read of a previous process's tasks) must not
        // leave those tasks open forever
        TaskLedger ledger = TaskLedger.resumeAt(2, 4, 1, task -> 2);
        assertEquals(5, ledger.nextTaskId(), "task 4, partly trained, counts as published");
        assertEquals(List.of(4L), List.copyOf(ledger.openTaskIds()), "only its untrained record is awaited");
    }
}
