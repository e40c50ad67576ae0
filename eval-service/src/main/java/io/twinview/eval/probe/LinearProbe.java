package io.twinview.eval.probe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.jboss.logging.Logger;

/**
 * The linear evaluation protocol on frozen features: multinomial logistic regression on
 * standardised features, its L2 strength chosen on a held-out part of the TRAIN features, then
 * refitted on all of them (the protocol of Kornblith et al. 2019, "Do Better ImageNet Models
 * Transfer Better?", https://arxiv.org/abs/1805.08974, that SimCLR's appendix B.5 follows, with a
 * smaller grid).
 *
 * <p>Choices:
 * <ul>
 *   <li>Standardisation: per-feature mean and population std of the rows being fitted (the fit
 *       part while choosing L2, all train rows for the final fit). The test set is never seen by
 *       {@link #fit}; {@link LinearClassifier#score} uses the stored train statistics.</li>
 *   <li>Objective: mean cross-entropy + (l2 / 2) ||W||^2, bias unregularised
 *       ({@link SoftmaxRegression}).</li>
 *   <li>Optimiser: full-batch L-BFGS in double precision (memory {@value #MEMORY}, Armijo
 *       backtracking; {@link Lbfgs}), stopping at max |gradient| &lt;= {@value #DEFAULT_GRADIENT_TOLERANCE}
 *       (sklearn's {@code tol} for lbfgs on the same mean loss), a relative decrease &lt;= 1e-10 per
 *       iteration, or {@value #DEFAULT_MAX_ITERATIONS} iterations. Grid points, which only need
 *       their held-out top-1, stop at a {@value #SELECTION_TOLERANCE_FACTOR}x looser gradient
 *       tolerance; the final fit uses the full one. The problem is strictly convex in W, so the
 *       optimum does not depend on the start: each grid point starts from the previous one's
 *       solution (strongest L2 first), and the final fit from the chosen one's.</li>
 *   <li>L2 grid: {@link #DEFAULT_L2_GRID}, decades 1e-6 .. 1e-1 (sklearn's default C = 1 is
 *       l2 = 1/n here: 2e-5 for 50,000 rows, 2.7e-4 for 3,700).</li>
 *   <li>Held-out split: {@value #DEFAULT_HOLDOUT_FRACTION} of each class's train rows, drawn with a
 *       fixed seed. The L2 with the best held-out top-1 wins; ties go to the stronger L2. The path
 *       goes from strong to weak L2 and stops after {@value #PATIENCE} points in a row without a
 *       better held-out top-1 (weak L2 converges slowest and, past the peak, only overfits). When
 *       the held-out part would be empty (tiny sets), {@value #FALLBACK_L2} is used without a
 *       search.</li>
 * </ul>
 *
 * <p>Cost (LinearProbeBenchmark, 2 shared cores): 0.9 s for 4,000 x 256 x 10 and 2.5 s for
 * 50,000 x 512 x 10 on Gaussian clusters; 2.8 s and 28 s on CIFAR-like features (random-init conv
 * features tiled to 512-d), where the final fit alone needs ~200 iterations at 0.08 s each.
 */
public final class LinearProbe {

    private static final Logger LOG = Logger.getLogger(LinearProbe.class);

    public static final List<Double> DEFAULT_L2_GRID = List.of(1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6);
    public static final double DEFAULT_HOLDOUT_FRACTION = 0.15;
    public static final int DEFAULT_MAX_ITERATIONS = 500;
    /** Grid points in a row without a better held-out top-1 after which weaker L2s are not tried. */
    public static final int PATIENCE = 2;

    public static final double FALLBACK_L2 = 1e-4;
    public static final double DEFAULT_GRADIENT_TOLERANCE = 1e-4;
    /** Grid points only need their held-out top-1: they stop at a 10x looser gradient tolerance. */
    static final double SELECTION_TOLERANCE_FACTOR = 10;

    static final int MEMORY = 20;
    private static final long SPLIT_SEED = 0x5EED_11AEL;

    /** One grid point: the L2 tried, its held-out top-1 and how the optimiser ended (evaluations = passes over the data). */
    public record GridPoint(double l2, double heldOutTop1, int iterations, int evaluations, String stop) {}

    /**
     * @param classifier the probe refitted on all train rows with {@code l2}
     * @param grid       the points tried, strongest L2 first (empty when there was no held-out part)
     * @param heldOut    train row indices used for the selection (never fitted on while choosing)
     */
    public record Fit(
            LinearClassifier classifier, double l2, List<GridPoint> grid, int[] heldOut, int iterations, String stop) {}

    private final List<Double> l2Grid;
    private final double holdoutFraction;
    private final Lbfgs optimiser;
    private final Lbfgs selectionOptimiser;

    public LinearProbe() {
        this(DEFAULT_L2_GRID, DEFAULT_HOLDOUT_FRACTION, DEFAULT_MAX_ITERATIONS);
    }

    /**
     * @param l2Grid          strengths to try, at least one, each &gt; 0
     * @param holdoutFraction in [0.05, 0.5]
     */
    public LinearProbe(List<Double> l2Grid, double holdoutFraction, int maxIterations) {
        this(l2Grid, holdoutFraction, maxIterations, DEFAULT_GRADIENT_TOLERANCE);
    }

    public LinearProbe(List<Double> l2Grid, double holdoutFraction, int maxIterations, double gradientTolerance) {
        if (l2Grid.isEmpty() || l2Grid.stream().anyMatch(l2 -> !(l2 > 0) || !Double.isFinite(l2))) {
            throw new IllegalArgumentException("l2Grid must hold at least one finite value > 0, was " + l2Grid);
        }
        if (!(holdoutFraction >= 0.05 && holdoutFraction <= 0.5)) {
            throw new IllegalArgumentException("holdoutFraction must be in [0.05, 0.5], was " + holdoutFraction);
        }
        this.l2Grid = l2Grid.stream().sorted((a, b) -> Double.compare(b, a)).toList();
        this.holdoutFraction = holdoutFraction;
        this.optimiser = new Lbfgs(MEMORY, maxIterations, gradientTolerance, 1e-10);
        this.selectionOptimiser =
                new Lbfgs(MEMORY, maxIterations, gradientTolerance * SELECTION_TOLERANCE_FACTOR, 1e-10);
    }

    /** Chooses L2 on a held-out part of {@code train} and refits on all of it; sees no test data. */
    public Fit fit(Features train) {
        if (train.size() == 0) {
            throw new IllegalArgumentException("cannot fit a linear probe on zero train rows");
        }
        int d = train.dim();
        int classes = train.classCount();
        int[][] split = stratifiedSplit(train.labels(), classes, holdoutFraction, SPLIT_SEED);
        int[] fitRows = split[0];
        int[] heldOut = split[1];
        double[] start = new double[classes * d + classes];
        double chosen = FALLBACK_L2;
        List<GridPoint> grid = new ArrayList<>();
        if (heldOut.length > 0 && fitRows.length > 0) {
            Standardizer standardizer = Standardizer.fit(train, fitRows);
            double[][] xFit = standardizer.apply(train, fitRows);
            int[] yFit = labels(train, fitRows);
            double[][] xHeld = standardizer.apply(train, heldOut);
            int[] yHeld = labels(train, heldOut);
            double[] theta = start;
            double bestTop1 = -1;
            int withoutImprovement = 0;
            for (double l2 : l2Grid) {
                Lbfgs.Result result =
                        selectionOptimiser.minimize(new SoftmaxRegression(xFit, yFit, d, classes, l2), theta);
                theta = result.x();
                double top1 = top1(theta, xHeld, yHeld, d, classes);
                grid.add(new GridPoint(l2, top1, result.iterations(), result.evaluations(), result.stop()));
                if (top1 > bestTop1) {
                    bestTop1 = top1;
                    chosen = l2;
                    start = theta.clone();
                    withoutImprovement = 0;
                } else if (++withoutImprovement == PATIENCE) {
                    break; // past the peak: weaker L2 only overfits more, and converges slowest
                }
            }
        }
        Standardizer standardizer = Standardizer.fit(train);
        Lbfgs.Result result = optimiser.minimize(
                new SoftmaxRegression(standardizer.apply(train, null), train.labels(), d, classes, chosen), start);
        if (!result.converged()) {
            LOG.warnf(
                    "linear probe (l2 %.0e) stopped by %s after %d iterations, max |gradient| %.2e",
                    chosen, result.stop(), result.iterations(), result.gradientMax());
        }
        return new Fit(
                new LinearClassifier(standardizer, result.x(), d, classes),
                chosen,
                List.copyOf(grid),
                heldOut,
                result.iterations(),
                result.stop());
    }

    /**
     * Row indices {fit, heldOut}: from each class, floor(fraction * count) rows drawn with the
     * seed, so the split is the same on every machine; both arrays ascending.
     */
    static int[][] stratifiedSplit(int[] labels, int classes, double fraction, long seed) {
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < labels.length; i++) {
            byClass.get(labels[i]).add(i);
        }
        SplittableRandom random = new SplittableRandom(seed);
        boolean[] held = new boolean[labels.length];
        int heldCount = 0;
        for (List<Integer> rows : byClass) {
            int take = (int) Math.floor(fraction * rows.size());
            for (int i = rows.size() - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                Integer swap = rows.get(i);
                rows.set(i, rows.get(j));
                rows.set(j, swap);
            }
            for (int i = 0; i < take; i++) {
                held[rows.get(i)] = true;
                heldCount++;
            }
        }
        int[] fit = new int[labels.length - heldCount];
        int[] heldOut = new int[heldCount];
        int f = 0;
        int h = 0;
        for (int i = 0; i < labels.length; i++) {
            if (held[i]) {
                heldOut[h++] = i;
            } else {
                fit[f++] = i;
            }
        }
        return new int[][] {fit, heldOut};
    }

    private static int[] labels(Features features, int[] rows) {
        return Arrays.stream(rows).map(i -> features.labels()[i]).toArray();
    }

    private static double top1(double[] theta, double[][] x, int[] y, int d, int classes) {
        int correct = 0;
        for (int i = 0; i < y.length; i++) {
            double[] z = LinearClassifier.logitsOfStandardised(theta, x[i], d, classes);
            correct += Ranking.argMax(z) == y[i] ? 1 : 0;
        }
        return y.length == 0 ? 0 : (double) correct / y.length;
    }
}
