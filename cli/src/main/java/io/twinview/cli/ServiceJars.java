package io.twinview.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** The three services' Quarkus fast-jars in a built checkout. */
public record ServiceJars(Path trainer, Path eval, Path augment) {

    public static ServiceJars in(Path home) {
        ServiceJars jars =
                new ServiceJars(jar(home, "trainer-service"), jar(home, "eval-service"), jar(home, "augment-service"));
        for (Path jar : new Path[] {jars.trainer, jars.eval, jars.augment}) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is missing: build first with ./mvnw -DskipTests install"
                        + " (./twinview does it when anything is missing)");
            }
        }
        return jars;
    }

    private static Path jar(Path home, String module) {
        return home.resolve(module)
                .resolve("target/quarkus-app/quarkus-run.jar")
                .toAbsolutePath()
                .normalize();
    }
}
