package io.twinview.stack;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Main classes run as children by {@link JavaProcessTest}. They print to their log file. */
final class ChildMains {

    private ChildMains() {}

    /** Sleeps until killed; a shutdown hook says that it ran. */
    static final class Sleeper {
        public static void main(String[] args) throws InterruptedException {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("sleeper shutdown hook ran")));
            System.out.println("sleeper started");
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    /** Its shutdown hook never finishes: only SIGKILL ends it. */
    static final class StubbornSleeper {
        public static void main(String[] args) throws InterruptedException {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                System.out.println("stubborn shutdown hook started");
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            System.out.println("stubborn sleeper started");
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    /** Prints its arguments and exits with code 3. */
    static final class Failer {
        public static void main(String[] args) {
            System.out.println("failing on purpose: " + String.join(" ", args));
            System.exit(3);
        }
    }

    /** Listens on the port given as argument, after a short delay, until killed. */
    static final class Listener {
        public static void main(String[] args) throws IOException, InterruptedException {
            Thread.sleep(300);
            try (ServerSocket server =
                    new ServerSocket(Integer.parseInt(args[0]), 50, InetAddress.getByName("127.0.0.1"))) {
                System.out.println("listening on " + server.getLocalPort()
                        + ", property twinview.test=" + System.getProperty("twinview.test")
                        + ", env TWINVIEW_TEST=" + System.getenv("TWINVIEW_TEST"));
                Thread.sleep(Long.MAX_VALUE);
            }
        }
    }

    /**
     * Prints the length and hash of the secret {@code twinview.test.secret-key} as it reads it from its
     * environment (never the value), then sleeps until killed.
     */
    static final class SecretReader {
        public static void main(String[] args) throws InterruptedException {
            String secret = JavaProcess.secretFromEnvironment("twinview.test.secret-key")
                    .orElse("");
            System.out.println("secret of " + secret.length() + " chars, hash " + secret.hashCode()
                    + "; as a system property: " + (System.getProperty("twinview.test.secret-key") != null));
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    /**
     * Starts a {@link Sleeper} grandchild through {@link JavaProcess} (log file = args[0]), prints
     * {@code grandchild pid N}, then sleeps: the test SIGKILLs this process and expects the
     * grandchild to follow.
     */
    static final class Launcher {
        public static void main(String[] args) throws InterruptedException {
            List<Path> classpath = Arrays.stream(
                            System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                    .map(Path::of)
                    .toList();
            JavaProcess grandchild = JavaProcess.builder("grandchild")
                    .mainClass(Sleeper.class.getName())
                    .classpath(classpath)
                    .logFile(Path.of(args[0]))
                    .start();
            System.out.println("grandchild pid " + grandchild.pid());
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
