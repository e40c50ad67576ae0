package io.twinview.core.checkpoint;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * What a run id is: 1-63 characters of {@code a-z}, {@code 0-9} and {@code -}, starting with a letter
 * or digit. Run ids name object prefixes ({@link CheckpointKeys}), Kafka topics
 * ({@code twinview.views.<run-id>}) and the first part of a report id ({@code <run-id>.<step>.<hash>},
 * whose dots only split because a run id has none). The trainer checks and makes them; eval-service
 * checks the ones it is asked about.
 */
public final class RunIds {

    /** The regular expression of a run id, for patterns that embed one (report ids). */
    public static final String REGEX = "[a-z0-9][a-z0-9-]{0,62}";

    /** What a run id may be, in words: the end of every error message about one. */
    public static final String RULE = "1-63 characters of a-z, 0-9 and '-', starting with a letter or digit";

    private static final Pattern PATTERN = Pattern.compile(REGEX);
    private static final DateTimeFormatter NEW_ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private RunIds() {}

    /** Whether {@code text} is a run id; null is not. */
    public static boolean isValid(String text) {
        return text != null && PATTERN.matcher(text).matches();
    }

    /** A new run id: local time and 4 random hex digits, e.g. {@code 20261205-142233-3fa9}. */
    public static String newId() {
        return LocalDateTime.now().format(NEW_ID_TIME) + "-"
                + String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
    }
}
