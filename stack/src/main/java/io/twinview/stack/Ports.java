package io.twinview.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Loopback ports for children: a free one, or a check that a fixed one is free. */
public final class Ports {

    public static final String LOOPBACK = "127.0.0.1";

    private Ports() {}

    /**
     * A port that was free on 127.0.0.1 a moment ago. Another process may take it before the
     * child binds it; the child then fails to start and says so in its log.
     */
    public static int free() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + LOOPBACK, e);
        }
    }

    /** True if nothing listens on 127.0.0.1:{@code port} (it can be bound right now). */
    public static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code port} itself if it is not 0 and free, a free port if it is 0. */
    static int resolve(int port, String what) {
        if (port == 0) {
            return free();
        }
        if (!isFree(port)) {
            throw new IllegalStateException(what + " port " + port + " on " + LOOPBACK
                    + " is already in use (another twinview stack still running?)");
        }
        return port;
    }
}
