package io.twinview.k8s.check;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;

/** The trigger metadata keys and authentication parameters of KEDA's kafka scaler, from keda-kafka-scaler-*.txt. */
final class KedaKafkaScaler {

    static final String SOURCE = "keda-kafka-scaler-v2.20.2.txt";
    static final Set<String> METADATA = new LinkedHashSet<>();
    static final Set<String> AUTH_PARAMS = new LinkedHashSet<>();

    static {
        try (InputStream in = KedaKafkaScaler.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IllegalStateException(SOURCE + " is not on the classpath");
            }
            var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String[] words = line.trim().split("\\s+");
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                Set<String> into = words[0].equals("auth") ? AUTH_PARAMS : METADATA;
                into.add(words[1]);
                if (words.length > 2 && words[2].equals("resolvedEnv")) {
                    into.add(words[1] + "FromEnv");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private KedaKafkaScaler() {}
}
