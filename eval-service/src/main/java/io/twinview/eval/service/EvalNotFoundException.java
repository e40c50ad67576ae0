package io.twinview.eval.service;

/** No such run, checkpoint or report; the message says what exists instead. */
public final class EvalNotFoundException extends RuntimeException {

    public EvalNotFoundException(String message) {
        super(message);
    }
}
