package io.twinview.stack;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Finds what the children run, from facts recorded at build time:
 * <ul>
 *   <li>{@code io/twinview/stack/kafka.classpath}: this module's runtime classpath (absolute jar
 *       paths in the local Maven repository), written by {@code dependency:build-classpath}.
 *       The Kafka child's classpath is that plus this module's own jar or classes folder.</li>
 *   <li>{@code io/twinview/stack/stack.properties}: the absolute path of the S3Proxy fat jar,
 *       written by {@code dependency:properties} and resource filtering.</li>
 * </ul>
 * Both can be overridden with the system properties {@value #KAFKA_CLASSPATH_PROPERTY}
 * (path-separator list) and {@value #S3PROXY_JAR_PROPERTY}, e.g. on a machine other than the
 * one that built the jar.
 */
final class StackArtifacts {

    static final String KAFKA_CLASSPATH_PROPERTY = "twinview.stack.kafka.classpath";
    static final String S3PROXY_JAR_PROPERTY = "twinview.stack.s3proxy.jar";

    private static final String KAFKA_CLASSPATH_RESOURCE = "kafka.classpath";
    private static final String PROPERTIES_RESOURCE = "stack.properties";
    private static final String REBUILD_HINT = "; rebuild the stack module (./mvnw -pl stack install) on this machine";

    private StackArtifacts() {}

    static List<Path> kafkaClasspath() {
        List<Path> entries = new ArrayList<>();
        entries.add(ownLocation());
        String override = System.getProperty(KAFKA_CLASSPATH_PROPERTY);
        String recorded = override != null
                ? override
                : readResource(KAFKA_CLASSPATH_RESOURCE).strip();
        Arrays.stream(recorded.split(Pattern.quote(File.pathSeparator)))
                .filter(entry -> !entry.isBlank())
                .map(Path::of)
                .forEach(entries::add);
        List<Path> missing =
                entries.stream().filter(entry -> !Files.exists(entry)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException("the Kafka child's classpath names " + missing.size()
                    + " missing entries, first " + missing.get(0) + REBUILD_HINT);
        }
        return entries;
    }

    static Path s3proxyJar() {
        String override = System.getProperty(S3PROXY_JAR_PROPERTY);
        if (override != null) {
            return existing(Path.of(override), S3PROXY_JAR_PROPERTY);
        }
        Properties properties = properties();
        Path recorded = Path.of(properties.getProperty("s3proxy.jar"));
        if (Files.isRegularFile(recorded)) {
            return recorded;
        }
        // the jar was built elsewhere: try this machine's local repository
        String version = properties.getProperty("s3proxy.version");
        String repository = System.getProperty(
                "maven.repo.local",
                Path.of(System.getProperty("user.home"), ".m2", "repository").toString());
        Path local = Path.of(
                repository, "org", "gaul", "s3proxy", version, "s3proxy-" + version + "-jar-with-dependencies.jar");
        return existing(local, "stack.properties (recorded " + recorded + ")");
    }

    /** This module's jar, or its classes folder when run from the build or an IDE. */
    static Path ownLocation() {
        try {
            CodeSource source = StackArtifacts.class.getProtectionDomain().getCodeSource();
            if (source != null
                    && source.getLocation() != null
                    && "file".equals(source.getLocation().getProtocol())) {
                return Path.of(source.getLocation().toURI());
            }
            // some class loaders (Quarkus tests) give no file code source: derive it from the class file
            String classFile = StackArtifacts.class.getName().replace('.', '/') + ".class";
            URL url = StackArtifacts.class.getClassLoader().getResource(classFile);
            if (url == null) {
                throw new IllegalStateException("cannot find " + classFile + " to locate the stack module");
            }
            String external = url.toExternalForm();
            if (external.startsWith("jar:file:")) {
                return Path.of(new URL(external.substring(4, external.indexOf("!/"))).toURI());
            }
            if (external.startsWith("file:")) {
                return Path.of(new URL(external.substring(0, external.length() - classFile.length())).toURI());
            }
            throw new IllegalStateException("cannot locate the stack module from " + external);
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException("cannot locate the stack module's jar or classes", e);
        }
    }

    private static Path existing(Path path, String source) {
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException(
                    "S3Proxy jar " + path + " (from " + source + ") does not exist" + REBUILD_HINT);
        }
        return path;
    }

    private static Properties properties() {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(readResource(PROPERTIES_RESOURCE)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }

    private static String readResource(String name) {
        try (InputStream in = StackArtifacts.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource io/twinview/stack/" + name + " is missing" + REBUILD_HINT);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource io/twinview/stack/" + name, e);
        }
    }
}
