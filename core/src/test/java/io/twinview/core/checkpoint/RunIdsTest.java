package io.twinview.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class RunIdsTest {

    @Test
    void runIdsAreLowercaseLettersDigitsAndDashesStartingWithALetterOrDigit() {
        for (String id : new String[] {"a", "0", "demo-1", "grpc-run", "20261205-142233-3fa9", "a".repeat(63)}) {
            assertTrue(RunIds.isValid(id), id + " is a run id");
        }
        for (String id : new String[] {"", "-a", "Demo", "a_b", "a.b", "a b", "a/b", "a".repeat(64)}) {
            assertFalse(RunIds.isValid(id), "'" + id + "' is not a run id");
        }
        assertFalse(RunIds.isValid(null), "null is not a run id");
    }

    @Test
    void newIdsAreValidTimestampedAndDistinct() {
        Set<String> ids = Stream.generate(RunIds::newId).limit(20).collect(Collectors.toSet());
        for (String id : ids) {
            assertTrue(RunIds.isValid(id), "a new id is a run id: " + id);
            assertTrue(Pattern.matches("[0-9]{8}-[0-9]{6}-[0-9a-f]{4}", id), "yyyyMMdd-HHmmss-xxxx: " + id);
        }
        assertTrue(ids.size() > 1, "random digits tell apart the ids of one second: " + ids);
    }
}
