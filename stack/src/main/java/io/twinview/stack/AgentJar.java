package io.twinview.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Writes {@link ParentWatchAgent} into a one-class agent jar for {@code -javaagent}.
 *
 * <p>A jar of its own because this module's classes may be a directory (tests, IDE) and
 * because a Quarkus {@code -jar} child must not get this module on its classpath. The jar is
 * named after a hash of the class, written once per machine into {@code java.io.tmpdir} and
 * reused; concurrent writers race harmlessly (atomic move of identical content).
 */
final class AgentJar {

    private static final String CLASS_ENTRY = ParentWatchAgent.class.getName().replace('.', '/') + ".class";

    private static Path jar;

    private AgentJar() {}

    static synchronized Path parentWatch() {
        if (jar == null || !Files.isRegularFile(jar)) {
            jar = write();
        }
        return jar;
    }

    private static Path write() {
        byte[] agentClass = readAgentClass();
        Path target = Path.of(
                System.getProperty("java.io.tmpdir"),
                "twinview-parent-watch-" + sha256(agentClass).substring(0, 16) + ".jar");
        if (Files.isRegularFile(target)) {
            return target;
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(new Attributes.Name("Premain-Class"), ParentWatchAgent.class.getName());
        try {
            Path temp = Files.createTempFile(target.getParent(), "twinview-parent-watch-", ".tmp");
            try (OutputStream out = Files.newOutputStream(temp);
                    JarOutputStream jarOut = new JarOutputStream(out, manifest)) {
                jarOut.putNextEntry(new JarEntry(CLASS_ENTRY));
                jarOut.write(agentClass);
                jarOut.closeEntry();
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the parent-watch agent jar " + target, e);
        }
    }

    private static byte[] readAgentClass() {
        try (InputStream in = ParentWatchAgent.class.getClassLoader().getResourceAsStream(CLASS_ENTRY)) {
            if (in == null) {
                throw new IllegalStateException("class file " + CLASS_ENTRY + " not found on the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + CLASS_ENTRY, e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
    }
}
