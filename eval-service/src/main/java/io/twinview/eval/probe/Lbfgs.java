package io.twinview.eval.probe;

import java.util.concurrent.CancellationException;

/**
 * Limited-memory BFGS for smooth convex objectives (Nocedal &amp; Wright, Numerical Optimization,
 * 2nd ed., Algorithms 7.4 and 7.5), in double precision, with a backtracking Armijo line search
 * (quadratic interpolation, safeguarded to [0.1, 0.5] of the last trial step).
 *
 * <p>Stops when the largest gradient component is at most {@code gradientTolerance}, when one
 * iteration lowers the objective by at most {@code relativeTolerance * max(|f|, 1)} (scipy's
 * L-BFGS-B {@code ftol} criterion), or after {@code maxIterations}. Checks the thread's interrupt
 * flag every iteration and throws {@link CancellationException} when set.
 */
final class Lbfgs {

    /** A differentiable function of a vector. */
    interface Objective {
        int dimension();

        /** Writes the gradient at {@code x} into {@code gradient} and returns the value. */
        double evaluate(double[] x, double[] gradient);
    }

    /**
     * @param converged false when stopped by the iteration cap or a failed line search
     * @param stop      which criterion ended the run, for logs
     */
    record Result(
            double[] x,
            double value,
            double gradientMax,
            int iterations,
            int evaluations,
            boolean converged,
            String stop) {}

    private static final double ARMIJO = 1e-4;
    private static final int MAX_LINE_SEARCH_STEPS = 40;

    private final int memory;
    private final int maxIterations;
    private final double gradientTolerance;
    private final double relativeTolerance;

    Lbfgs(int memory, int maxIterations, double gradientTolerance, double relativeTolerance) {
        if (memory < 1 || maxIterations < 1 || !(gradientTolerance > 0) || !(relativeTolerance >= 0)) {
            throw new IllegalArgumentException("L-BFGS needs memory >= 1, maxIterations >= 1, gradientTolerance > 0 and"
                    + " relativeTolerance >= 0; got " + memory + ", " + maxIterations + ", " + gradientTolerance
                    + ", " + relativeTolerance);
        }
        this.memory = memory;
        this.maxIterations = maxIterations;
        this.gradientTolerance = gradientTolerance;
        this.relativeTolerance = relativeTolerance;
    }

    Result minimize(Objective objective, double[] start) {
        int n = objective.dimension();
        if (start.length != n) {
            throw new IllegalArgumentException("start has " + start.length + " components, the objective " + n);
        }
        double[] x = start.clone();
        double[] g = new double[n];
        double fx = objective.evaluate(x, g);
        int evaluations = 1;
        double[][] s = new double[memory][n];
        double[][] y = new double[memory][n];
        double[] rho = new double[memory];
        double[] alpha = new double[memory];
        int stored = 0;
        int newest = -1;
        double[] direction = new double[n];
        double[] xNew = new double[n];
        double[] gNew = new double[n];

        for (int iteration = 0; iteration < maxIterations; iteration++) {
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("L-BFGS interrupted at iteration " + iteration);
            }
            double gMax = maxAbs(g);
            if (gMax <= gradientTolerance) {
                return new Result(x, fx, gMax, iteration, evaluations, true, "gradient");
            }
            // two-loop recursion: direction = -H g
            for (int i = 0; i < n; i++) {
                direction[i] = -g[i];
            }
            for (int back = 0; back < stored; back++) {
                int k = Math.floorMod(newest - back, memory);
                alpha[k] = rho[k] * dot(s[k], direction);
                axpy(-alpha[k], y[k], direction);
            }
            if (stored > 0) {
                double gamma = dot(s[newest], y[newest]) / dot(y[newest], y[newest]);
                scale(direction, gamma);
            } else {
                // no curvature yet: a first step of unit length
                scale(direction, 1.0 / Math.max(1.0, Math.sqrt(dot(g, g))));
            }
            for (int forward = stored - 1; forward >= 0; forward--) {
                int k = Math.floorMod(newest - forward, memory);
                double beta = rho[k] * dot(y[k], direction);
                axpy(alpha[k] - beta, s[k], direction);
            }
            double slope = dot(g, direction);
            if (!(slope < 0)) {
                // not a descent direction (numerical trouble): restart from steepest descent
                stored = 0;
                double norm = Math.max(1.0, Math.sqrt(dot(g, g)));
                for (int i = 0; i < n; i++) {
                    direction[i] = -g[i] / norm;
                }
                slope = dot(g, direction);
            }

            double step = 1;
            double fNew = Double.NaN;
            boolean accepted = false;
            for (int trial = 0; trial < MAX_LINE_SEARCH_STEPS; trial++) {
                for (int i = 0; i < n; i++) {
                    xNew[i] = x[i] + step * direction[i];
                }
                fNew = objective.evaluate(xNew, gNew);
                evaluations++;
                if (fNew <= fx + ARMIJO * step * slope) {
                    accepted = true;
                    break;
                }
                double interpolated =
                        Double.isFinite(fNew) ? -slope * step * step / (2 * (fNew - fx - slope * step)) : 0.1 * step;
                step = Math.min(0.5 * step, Math.max(0.1 * step, interpolated));
            }
            if (!accepted) {
                return new Result(x, fx, gMax, iteration, evaluations, false, "line search");
            }

            double sy = 0;
            double yy = 0;
            for (int i = 0; i < n; i++) {
                double si = xNew[i] - x[i];
                double yi = gNew[i] - g[i];
                sy += si * yi;
                yy += yi * yi;
            }
            if (sy > 1e-12 * yy && yy > 0) {
                newest = (newest + 1) % memory;
                for (int i = 0; i < n; i++) {
                    s[newest][i] = xNew[i] - x[i];
                    y[newest][i] = gNew[i] - g[i];
                }
                rho[newest] = 1 / sy;
                stored = Math.min(stored + 1, memory);
            }
            double decrease = fx - fNew;
            double previous = fx;
            double[] swap = x;
            x = xNew;
            xNew = swap;
            swap = g;
            g = gNew;
            gNew = swap;
            fx = fNew;
            if (decrease <= relativeTolerance * Math.max(Math.max(Math.abs(previous), Math.abs(fx)), 1)) {
                return new Result(x, fx, maxAbs(g), iteration + 1, evaluations, true, "relative decrease");
            }
        }
        return new Result(x, fx, maxAbs(g), maxIterations, evaluations, false, "iteration cap");
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }

    private static void scale(double[] x, double a) {
        for (int i = 0; i < x.length; i++) {
            x[i] *= a;
        }
    }

    private static double maxAbs(double[] x) {
        double max = 0;
        for (double v : x) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}
