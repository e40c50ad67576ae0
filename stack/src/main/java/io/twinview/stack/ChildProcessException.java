package io.twinview.stack;

/**
 * A child process failed to start, died while we waited for it, or did not become ready in
 * time. The message names the process, says what was awaited and ends with the tail of the
 * child's log, which is usually where the real cause is.
 */
public final class ChildProcessException extends RuntimeException {

    public ChildProcessException(String message) {
        super(message);
    }

    public ChildProcessException(String message, Throwable cause) {
        super(message, cause);
    }
}
