package io.twinview.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class ChaosScheduleTest {

    @Test
    void theSameSeedGivesTheSameScheduleAndAnotherSeedAnother() {
        ChaosSchedule a = ChaosSchedule.of(7, ChaosSchedule.Length.SHORT, 64, 8);
        assertEquals(a, ChaosSchedule.of(7, ChaosSchedule.Length.SHORT, 64, 8), "a schedule is a function of its seed");
        boolean anyDiffers = false;
        for (long seed = 8; seed < 18; seed++) {
            anyDiffers |= !a.equals(ChaosSchedule.of(seed, ChaosSchedule.Length.SHORT, 64, 8));
        }
        assertTrue(anyDiffers, "other seeds give other schedules");
    }

    @Test
    void everyFaultStrikesOnceInOrderWithinTheRunAndS3StopsJustBeforeACheckpoint() {
        for (long seed = 0; seed < 50; seed++) {
            ChaosSchedule schedule = ChaosSchedule.of(seed, ChaosSchedule.Length.FULL, 192, 24);
            EnumSet<ChaosSchedule.Kind> kinds = EnumSet.noneOf(ChaosSchedule.Kind.class);
            long previous = 0;
            for (ChaosSchedule.Fault fault : schedule.faults()) {
                kinds.add(fault.kind());
                assertTrue(fault.atStep() >= previous, "faults in the order they strike: " + schedule);
                assertTrue(fault.atStep() >= 1 && fault.atStep() < 192, "within the run: " + fault);
                previous = fault.atStep();
                if (fault.kind() == ChaosSchedule.Kind.STOP_STORAGE) {
                    assertEquals(0, (fault.atStep() + 2) % 24, "two steps before a checkpoint step: " + fault);
                    assertEquals(Duration.ofMinutes(2), fault.outage(), "S3 down for 2 min in the full schedule");
                }
                if (fault.kind() == ChaosSchedule.Kind.STOP_BROKER) {
                    assertEquals(Duration.ofMinutes(3), fault.outage(), "the broker down for 3 min in the full one");
                }
            }
            assertEquals(EnumSet.allOf(ChaosSchedule.Kind.class), kinds, "each of the five faults: " + schedule);
        }
    }

    @Test
    void theShortScheduleHasShortOutages() {
        ChaosSchedule schedule = ChaosSchedule.of(3, ChaosSchedule.Length.SHORT, 64, 8);
        for (ChaosSchedule.Fault fault : schedule.faults()) {
            assertTrue(fault.outage().compareTo(Duration.ofSeconds(30)) <= 0, "CI outages are seconds: " + fault);
        }
        assertNotEquals(
                Duration.ZERO,
                schedule.faults().stream()
                        .filter(f -> f.kind() == ChaosSchedule.Kind.STOP_BROKER)
                        .findFirst()
                        .orElseThrow()
                        .outage(),
                "but the broker does go down");
    }

    @Test
    void aBadScheduleNameOrATooShortRunIsRefusedWithTheValue() {
        IllegalArgumentException name =
                assertThrows(IllegalArgumentException.class, () -> ChaosSchedule.Length.parse("medium"));
        assertEquals("--schedule must be short or full, was 'medium'", name.getMessage());
        IllegalArgumentException steps = assertThrows(
                IllegalArgumentException.class, () -> ChaosSchedule.of(1, ChaosSchedule.Length.SHORT, 10, 2));
        assertTrue(steps.getMessage().contains("had 10 steps"), steps.getMessage());
    }
}
