package io.twinview.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LoopTimeTest {

    @Test
    void nothingMeasuredIsNoWait() {
        assertEquals(0.0, new LoopTime().inputWaitFraction(), "no division by zero before the first poll");
    }

    @Test
    void theFractionIsWaitOverWaitPlusCompute() {
        LoopTime time = new LoopTime();
        time.waited(30);
        time.waited(20); // two polls before the first batch was ready
        time.computed(10);
        time.computed(15); // a second batch was ready at once
        time.waited(5);
        time.computed(20);

        assertEquals(55, time.waitNanos());
        assertEquals(45, time.computeNanos());
        assertEquals(55.0 / 100.0, time.inputWaitFraction(), 1e-12, "55 ns waited of 100 ns measured");
        assertEquals(new LoopTime.Step(5, 20), time.lastStep(), "a step's wait is the wait since the step before");
    }

    @Test
    void aStepWithNoWaitBeforeItRecordsZeroWait() {
        LoopTime time = new LoopTime();
        time.waited(40);
        time.computed(10);
        assertEquals(new LoopTime.Step(40, 10), time.lastStep());
        time.computed(12);
        assertEquals(new LoopTime.Step(0, 12), time.lastStep(), "the wait was charged to the step before");
        assertEquals(40.0 / 62.0, time.inputWaitFraction(), 1e-12);
    }
}
