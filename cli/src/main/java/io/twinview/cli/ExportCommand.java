package io.twinview.cli;

import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * Writes a checkpoint's encoder to a file other tools load: safetensors in torchvision's {@code
 * state_dict} names ({@code torchvision.models.resnet18()} with {@code model.fc = torch.nn.Identity()}
 * loads it strictly), or an ONNX model (standard opset-17 operators, preprocessing in its metadata).
 */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = "Write a checkpoint's encoder as safetensors in torchvision names or as an ONNX model, read"
                + " from the object storage ./twinview up runs (or --s3-endpoint with"
                + " TWINVIEW_STORAGE_ACCESS_KEY/SECRET_KEY).")
final class ExportCommand implements Callable<Integer> {

    /** The file formats export writes. */
    enum Format {
        SAFETENSORS,
        ONNX;

        /** Lower case on the command line: {@code --format safetensors}. */
        static final class Converter implements ITypeConverter<Format> {
            @Override
            public Format convert(String value) {
                for (Format format : values()) {
                    if (format.name().equalsIgnoreCase(value)) {
                        return format;
                    }
                }
                throw new TypeConversionException("'" + value + "' is not a format; allowed: "
                        + String.join(
                                ", ",
                                java.util.Arrays.stream(values())
                                        .map(f -> f.name().toLowerCase(java.util.Locale.ROOT))
                                        .toList()));
            }
        }
    }

    @Option(names = "--run-id", required = true, paramLabel = "ID", description = "the run whose checkpoint to export")
    String runId;

    @Option(
            names = "--step",
            paramLabel = "N|best",
            description = "a checkpoint step, or best (highest k-NN top-1 in its stored evaluation reports);"
                    + " default: the newest complete checkpoint")
    String step;

    @Option(
            names = "--format",
            defaultValue = "safetensors",
            converter = Format.Converter.class,
            description = "file format: safetensors or onnx (default: ${DEFAULT-VALUE})")
    Format format;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "the file to write (replaced whole)")
    Path out;

    @Option(
            names = "--s3-endpoint",
            paramLabel = "URL",
            description =
                    "object storage (env TWINVIEW_STORAGE_ENDPOINT; default: ./twinview up's, http://127.0.0.1:19000)")
    String endpoint;

    @Option(
            names = "--bucket",
            defaultValue = Pipeline.BUCKET,
            description = "bucket the runs are kept in (default: ${DEFAULT-VALUE})")
    String bucket;

    @Override
    public Integer call() throws IOException {
        Console console = new Console(false);
        EncoderExport.StepChoice choice;
        StorageSettings settings;
        try {
            choice = EncoderExport.StepChoice.parse(step);
            settings = storage(TwinviewCli.home(), System.getenv());
        } catch (IllegalArgumentException e) {
            console.error(e.getMessage());
            return 2;
        }
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true"); // the natives are in the jar: never download
        }
        Path partial = out.toAbsolutePath().resolveSibling(out.getFileName() + ".partial");
        try (ObjectStore objects = new ObjectStore(settings);
                OutputStream file = Files.newOutputStream(partial)) {
            CheckpointStore store = new CheckpointStore(objects);
            EncoderExport.Exported exported = format == Format.ONNX
                    ? EncoderExport.onnx(store, runId, choice, file)
                    : EncoderExport.safetensors(store, runId, choice, file);
            file.close();
            Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            console.info("wrote " + out + ": encoder " + exported.encoder().key() + " of step " + exported.step() + " ("
                    + exported.manifestKey() + "), " + exported.tensors()
                    + (format == Format.ONNX ? " weight tensors in an ONNX model" : " tensors in torchvision names"));
            return 0;
        } catch (IllegalArgumentException e) {
            console.error(e.getMessage());
            return 1;
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /**
     * The endpoint from the flag or TWINVIEW_STORAGE_ENDPOINT, else ./twinview up's; the keys from
     * TWINVIEW_STORAGE_ACCESS_KEY and TWINVIEW_STORAGE_SECRET_KEY, else from the s3proxy.properties
     * ./twinview up writes (its keys are new on every start).
     *
     * @throws IllegalArgumentException naming what is missing or malformed
     */
    StorageSettings storage(Path home, Map<String, String> env) {
        String url =
                endpoint != null ? endpoint : env.getOrDefault("TWINVIEW_STORAGE_ENDPOINT", "http://127.0.0.1:19000");
        String access = env.get("TWINVIEW_STORAGE_ACCESS_KEY");
        String secret = env.get("TWINVIEW_STORAGE_SECRET_KEY");
        Path upKeys = home.resolve(".twinview/up/s3/s3proxy.properties");
        if ((access == null || secret == null) && Files.isRegularFile(upKeys)) {
            Properties properties = new Properties();
            try (InputStream in = Files.newInputStream(upKeys)) {
                properties.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("could not read " + upKeys, e);
            }
            access = access != null ? access : properties.getProperty("s3proxy.identity");
            secret = secret != null ? secret : properties.getProperty("s3proxy.credential");
        }
        if (access == null || secret == null) {
            throw new IllegalArgumentException("no S3 keys: set TWINVIEW_STORAGE_ACCESS_KEY and"
                    + " TWINVIEW_STORAGE_SECRET_KEY, or start ./twinview up (it writes " + upKeys + ")");
        }
        return StorageSettings.of(url, access, secret, bucket);
    }
}
