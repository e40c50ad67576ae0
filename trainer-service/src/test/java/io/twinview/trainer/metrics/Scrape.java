package io.twinview.trainer.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;

/** GETs of the service's own HTTP endpoints, and values read from Prometheus text. Test helper. */
public final class Scrape {

    /** The status code and body of one GET. */
    public record Response(int status, String body) {}

    private Scrape() {}

    public static Response get(URL url) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) url.openConnection();
        try {
            int status = connection.getResponseCode();
            try (InputStream body = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
                return new Response(status, new String(body.readAllBytes(), StandardCharsets.UTF_8));
            }
        } finally {
            connection.disconnect();
        }
    }

    /** The sum over every series of {@code name} (any tags) in Prometheus text; NaN when it has none. */
    public static double value(String prometheusText, String name) {
        double sum = 0;
        boolean found = false;
        for (String line : prometheusText.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                found = true;
            }
        }
        return found ? sum : Double.NaN;
    }
}
