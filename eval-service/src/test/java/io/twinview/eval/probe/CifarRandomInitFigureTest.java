package io.twinview.eval.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import io.twinview.model.EncoderKind;
import io.twinview.model.Encoders;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The random-init reference figure on real data: a small encoder, untrained (seed 1, 32 px),
 * probed on the shared CIFAR-10 subset, fitted on data_batch_1-4 and scored on data_batch_5.
 * Logs k-NN and linear top-1 and the time each stage took; chance is 0.10. Skipped when the
 * subset is absent ({@code twinview.shared.dir}/datasets/cifar10-subset).
 */
class CifarRandomInitFigureTest {

    private static final Logger LOG = Logger.getLogger(CifarRandomInitFigureTest.class);

    @Test
    void randomInitSmallEncoderOnTheCifarSubset() {
        String shared = System.getProperty("twinview.shared.dir", "../shared");
        Path dir =
                Path.of(shared, "datasets", "cifar10-subset").toAbsolutePath().normalize();
        assumeTrue(
                Files.isRegularFile(dir.resolve("data_batch_5.bin")),
                "the CIFAR-10 subset is not at " + dir + " (set twinview.shared.dir): no real-data figure");
        ImageDataset train = Datasets.open("cifar10:" + dir + "?batches=1-4");
        ImageDataset test = Datasets.open("cifar10:" + dir + "?batches=5");
        try (NDManager manager = NDManager.newBaseManager()) {
            Block encoder = Encoders.create(EncoderKind.SMALL, 1, 32, manager);
            long t0 = System.nanoTime();
            FeatureExtractor extractor = new FeatureExtractor();
            Features trainFeatures = extractor.extract(encoder, train, 32, manager);
            Features testFeatures = extractor.extract(encoder, test, 32, manager);
            long t1 = System.nanoTime();
            Accuracy knn = new KnnProbe().score(trainFeatures, testFeatures, manager);
            long t2 = System.nanoTime();
            LinearProbe.Fit fit = new LinearProbe().fit(trainFeatures);
            Accuracy linear = fit.classifier().score(testFeatures);
            long t3 = System.nanoTime();
            LOG.infof(
                    "CIFAR subset, small encoder at random init (seed 1): %d train / %d test images, %d-d features"
                            + " in %.2f s; k-NN (k 200, T 0.07) top-1 %.4f top-5 %.4f in %.2f s; linear (l2 %.0e chosen on"
                            + " a 15%% train hold-out, %d iterations) top-1 %.4f top-5 %.4f in %.2f s",
                    train.size(),
                    test.size(),
                    trainFeatures.dim(),
                    (t1 - t0) / 1e9,
                    knn.top1(),
                    knn.top5(),
                    (t2 - t1) / 1e9,
                    fit.l2(),
                    fit.iterations(),
                    linear.top1(),
                    linear.top5(),
                    (t3 - t2) / 1e9);
            for (LinearProbe.GridPoint point : fit.grid()) {
                LOG.infof(
                        "  l2 %.0e: held-out top-1 %.4f (%d iterations, %s)",
                        point.l2(), point.heldOutTop1(), point.iterations(), point.stop());
            }
            assertEquals(test.size(), knn.total(), "every test image is scored");
            assertTrue(
                    knn.top1() > 0.1 && linear.top1() > 0.1,
                    "random conv features carry some colour/texture signal: above chance (0.10)");
        }
    }
}
