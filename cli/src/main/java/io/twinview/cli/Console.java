package io.twinview.cli;

import java.io.PrintStream;

/**
 * What the command says to its user: human lines on stdout (or stderr with --json, so that
 * stdout's last line stays the JSON object), progress rewritten in place on a terminal.
 */
public final class Console {

    private final PrintStream out;
    private final PrintStream human;
    private final boolean terminal;
    private boolean progressOpen;

    public Console(boolean json) {
        this.out = System.out;
        this.human = System.out;
        this.terminal = System.console() != null && !json;
    }

    public synchronized void info(String line) {
        endProgress();
        human.println(line);
        human.flush();
    }

    public synchronized void error(String line) {
        endProgress();
        System.err.println(line);
        System.err.flush();
    }

    /** A progress line: rewritten in place on a terminal, printed as a new line otherwise. */
    public synchronized void progress(String line) {
        if (terminal) {
            human.print("\r" + line + "\u001b[K");
            progressOpen = true;
        } else {
            human.println(line);
        }
        human.flush();
    }

    /** The machine-readable last line of output. */
    public synchronized void json(String line) {
        endProgress();
        out.println(line);
        out.flush();
    }

    private void endProgress() {
        if (progressOpen) {
            human.println();
            progressOpen = false;
        }
    }
}
