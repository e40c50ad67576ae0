package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import io.twinview.core.monitor.CollapseMonitor;
import io.twinview.model.Encoders;
import io.twinview.model.Seeds;
import io.twinview.trainer.loss.NegativeCosine;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * DirectPred: "Understanding self-supervised learning dynamics without contrastive pairs", Tian,
 * Chen, Ganguli, ICML 2021, https://arxiv.org/abs/2102.06810.
 *
 * <p>BYOL's structure (Grill et al. 2020, https://arxiv.org/abs/2006.07733): online encoder +
 * projector, a target encoder + projector that is an EMA of them with tau on BYOL's cosine schedule
 * from the run's {@code momentum} to 1, and the symmetric loss 2 - 2 cos(p, sg(z')) over both view
 * orders ({@link #symmetricLoss}). The predictor is LINEAR (d x d, no bias) and is not
 * learned: it is set from the eigen-decomposition of a moving estimate of its input correlation,
 * <pre>
 *   F   <- rho F + (1 - rho) E[f f^T]        f: online projector outputs of both views (eq. 19)
 *   F   =  U diag(s) U^T
 *   p_j =  sqrt(max(s_j, 0) / max_k s_k) + eps                                   (eq. 18)
 *   W_p =  U diag(p) U^T
 * </pre>
 * The first estimate is the first batch's E[f f^T] (the authors' Accumulator does this; with F = 0
 * before it the estimate would only be scaled by 1 - rho, and W_p, normalised by the largest
 * eigenvalue, would be the same). W_p is recomputed after every {@code directpred_every}-th
 * optimizer step, counting from the first, as the authors' trainer does after iterations with
 * {@code niter % predictor_freq == 0}; before the first it is the seeded random init.
 *
 * <p>The analysis shows that a gradient-trained linear predictor's eigenbasis aligns with that of
 * F during training; DirectPred builds W_p in F's eigenbasis, so {@link #predictorAlignment()}
 * (CollapseMonitor.alignment of W_p against the current F) is about 1 by construction, exactly 1
 * right after a recompute and drifting only as far as F moves between recomputes. That is the
 * point: the alignment the theory predicts is imposed instead of learned.
 *
 * <p>The predictor is a block the optimizer never sees ({@link #targetBlocks()}, frozen); W_p is
 * written in place through a stop-gradient view. F and its update count are method {@link #state()},
 * so a resumed run continues with the same estimate.
 *
 * <p>Paper settings: rho 0.3, eps 0.01, frequency 1 (the authors' README command for DirectPred:
 * {@code trainer.predictor_freq=1 trainer.dyn_lambda=0.3 trainer.dyn_eps=0.01
 * trainer.balance_type=boost_scale}, facebookresearch/luckmatters ssl/real-dataset). Their STL-10 /
 * CIFAR-10 runs (config/byol_config.yaml): ResNet-18, projector 512-128, SGD lr 0.03 momentum 0.9
 * wd 4e-4, batch 128, target momentum 0.996 held constant, 100 epochs, BYOL's augmentations.
 *
 * <p>Deviations: the target momentum follows BYOL's cosine schedule (the authors' trainer keeps it
 * constant); the projector's hidden BN has a learnable affine (theirs has none); augmentation is
 * the shared {@code byol} recipe, BYOL's asymmetric CIFAR views without blur. F and W_p are
 * computed in double on the host (EJML), which keeps the default width modest: one d x d
 * eigendecomposition per recompute (128 x 128: milliseconds; for d in the thousands raise
 * {@code directpred_every}).
 */
public final class DirectPred extends SslMethod {

    /**
     * CPU budget (small ConvNet, 3,728 images, 10 epochs = about 140 steps at batch 256): Adam lr
     * 1e-3 with one warmup epoch then cosine, as SimCLR's CPU recipe, because it converges in the
     * few hundred steps a 2-core run affords (the paper's SGD lr 0.03 runs 100 epochs). Target
     * momentum 0.95 instead of the paper's 0.996: the EMA's time constant 1/(1 - tau) should be a
     * small part of the run, and at 0.996 it would be 250 steps, longer than the whole run, leaving
     * the target near its random init; at 0.95 it is 20 steps. Projector hidden = the encoder's
     * width (256), output 128 = the predictor's d, the paper's projection size. rho 0.3, eps 0.01,
     * every step: the paper's values.
     */
    public static final Methods.MethodDefinition DEFINITION = new Methods.MethodDefinition(
            "directpred",
            "https://arxiv.org/abs/2102.06810",
            MethodDefaults.builder()
                    .optimizer("adam", 1e-3, 0.9, 1e-6)
                    .warmupEpochs(1)
                    .projector(0, 128) // hidden 0 = the encoder's feature width
                    .networkMomentum(0.95)
                    .directPred(0.3, 0.01, 1)
                    .recipe("byol")
                    .build(),
            DirectPred::new);

    static final String CORRELATION = "directpred.correlation";
    static final String UPDATES = "directpred.correlation_updates";

    private final Block projector;
    private final Block targetEncoder;
    private final Block targetProjector;
    private final Block predictor;
    private final int dim;
    /** F, (d, d) row-major; meaningful once {@link #correlationUpdates} > 0. */
    private double[] correlation;
    private long correlationUpdates;
    /** E[f f^T] of the last loss's batch, (d, d) row-major, folded into F after the optimizer step. */
    private double[] pendingBatchCorrelation;
    /** Owns the arrays of the last {@link #state()}: closed when the next is taken. */
    private NDManager stateScope;

    public DirectPred(MethodContext context) {
        super(context);
        MethodSettings settings = context.settings();
        int featureDim = context.encoderKind().featureDim();
        dim = settings.projectorOutputDim();
        projector = Heads.initialized(projectorBlock(settings), context, "projector", featureDim);

        targetEncoder = context.encoderKind().newBlock();
        Encoders.initialize(targetEncoder, Seeds.derive(context.seed(), "target-encoder"),
                new Shape(1, 3, context.imageSize(), context.imageSize()), context.manager());
        Ema.copy(targetEncoder, encoder);
        targetProjector = Heads.initialized(projectorBlock(settings), context, "target-projector", featureDim);
        Ema.copy(targetProjector, projector);

        predictor = Heads.initialized(Linear.builder().setUnits(dim).optBias(false).build(), context, "predictor", dim);
        predictor.freezeParameters(true);
        correlation = new double[dim * dim];
    }

    private static Block projectorBlock(MethodSettings settings) {
        return Heads.mlp(settings.projectorLayers(), settings.projectorHiddenDim(), settings.projectorOutputDim(), false);
    }

    @Override
    protected Map<String, Block> heads() {
        Map<String, Block> heads = new LinkedHashMap<>();
        heads.put("projector", projector);
        return heads;
    }

    @Override
    public Map<String, Block> targetBlocks() {
        Map<String, Block> blocks = new LinkedHashMap<>();
        blocks.put("predictor", predictor);
        blocks.put("target-encoder", targetEncoder);
        blocks.put("target-projector", targetProjector);
        return blocks;
    }

    @Override
    public NDArray loss(ParameterStore parameters, NDArray view1, NDArray view2) {
        // each view through the networks on its own: per-view batch-norm statistics, as in BYOL
        NDArray f1 = forward(projector, parameters, forward(encoder, parameters, view1)); // (N, d)
        NDArray f2 = forward(projector, parameters, forward(encoder, parameters, view2)); // (N, d)
        NDArray p1 = forward(predictor, parameters, f1); // (N, d) = f1 W_p^T
        NDArray p2 = forward(predictor, parameters, f2); // (N, d)
        NDArray z1 = forward(targetProjector, parameters, forward(targetEncoder, parameters, view1)).stopGradient(); // (N, d)
        NDArray z2 = forward(targetProjector, parameters, forward(targetEncoder, parameters, view2)).stopGradient(); // (N, d)
        recordEmbeddings(f1);
        NDArray f = f1.concat(f2, 0).stopGradient(); // (2N, d)
        pendingBatchCorrelation = toDoubles(f.transpose().matMul(f).div(f.getShape().get(0)).toFloatArray()); // (d, d)
        return symmetricLoss(p1, z2, p2, z1);
    }

    /**
     * BYOL's symmetrised loss (Grill et al. 2020, eq. 2 and L + L~): with l(p, z) = 2 - 2 cos(p, z)
     * averaged over the batch ({@link NegativeCosine#regression}),
     * L = l(p1, sg(z2)) + l(p2, sg(z1)), in [0, 8]; sg stops the gradient into the targets.
     *
     * @param p1 (N, d) predictions of the first views
     * @param z2 (N, d) target projections of the second views
     */
    public static NDArray symmetricLoss(NDArray p1, NDArray z2, NDArray p2, NDArray z1) {
        return NegativeCosine.regression(p1, z2.stopGradient()).add(NegativeCosine.regression(p2, z1.stopGradient()));
    }

    /** EMA of the target, then F, then W_p when due. */
    @Override
    public void afterStep(long step, long totalSteps) {
        double tau = targetMomentum(step - 1, totalSteps, context.settings().momentum());
        Ema.update(targetEncoder, encoder, tau);
        Ema.update(targetProjector, projector, tau);
        if (pendingBatchCorrelation != null) {
            correlation = updateCorrelation(correlationUpdates == 0 ? null : correlation, pendingBatchCorrelation,
                    context.settings().directPredRho());
            correlationUpdates++;
            pendingBatchCorrelation = null;
        }
        if ((step - 1) % context.settings().directPredEvery() == 0 && correlationUpdates > 0) {
            setPredictor(predictorFromCorrelation(correlation, dim, context.settings().directPredEps()));
        }
    }

    /**
     * BYOL's target momentum at step k of K (Grill et al. 2020, section 3.2):
     * tau_k = 1 - (1 - tau_base) (cos(pi k / K) + 1) / 2; the update after optimizer step s uses
     * k = s - 1, so the first uses tau_base.
     */
    public static double targetMomentum(long k, long totalSteps, double base) {
        return 1 - (1 - base) * (Math.cos(Math.PI * k / totalSteps) + 1) / 2;
    }

    /**
     * F <- rho F + (1 - rho) B; the first estimate ({@code previous} null) is B itself.
     *
     * @param batchCorrelation B = E[f f^T] over a batch, (d, d) row-major
     */
    public static double[] updateCorrelation(double[] previous, double[] batchCorrelation, double rho) {
        if (previous == null) {
            return batchCorrelation.clone();
        }
        double[] next = new double[previous.length];
        for (int i = 0; i < next.length; i++) {
            next[i] = rho * previous[i] + (1 - rho) * batchCorrelation[i];
        }
        return next;
    }

    /**
     * W_p = U diag(p) U^T with F = U diag(s) U^T and p_j = sqrt(max(s_j, 0) / max_k s_k) + eps
     * (p_j = eps for every j when no eigenvalue is positive). F is symmetrised first.
     *
     * @param correlation F, (d, d) row-major
     * @return W_p, (d, d) row-major, symmetric
     */
    public static double[] predictorFromCorrelation(double[] correlation, int d, double eps) {
        DMatrixRMaj f = new DMatrixRMaj(d, d);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                f.set(i, j, (correlation[i * d + j] + correlation[j * d + i]) / 2);
            }
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
        if (!eig.decompose(f)) {
            throw new IllegalStateException("eigendecomposition of DirectPred's " + d + "x" + d + " correlation failed");
        }
        double largest = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < d; k++) {
            largest = Math.max(largest, eig.getEigenvalue(k).getReal());
        }
        double[] w = new double[d * d];
        for (int k = 0; k < d; k++) {
            double s = eig.getEigenvalue(k).getReal();
            double p = (largest > 0 ? Math.sqrt(Math.max(s, 0) / largest) : 0) + eps;
            DMatrixRMaj u = eig.getEigenVector(k); // (d, 1), unit
            for (int i = 0; i < d; i++) {
                double pu = p * u.get(i, 0);
                for (int j = 0; j < d; j++) {
                    w[i * d + j] += pu * u.get(j, 0);
                }
            }
        }
        return w;
    }

    private Parameter predictorWeight() {
        return predictor.getParameters().get("weight");
    }

    /** Writes W_p into the frozen predictor weight in place (the optimizer never holds it). */
    private void setPredictor(double[] w) {
        float[] values = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            values[i] = (float) w[i];
        }
        NDArray weight = predictorWeight().getArray();
        try (NDManager scope = context.manager().newSubManager(weight.getDevice())) {
            NDArray next = scope.create(values, new Shape(dim, dim)); // (out, in) as Linear stores it
            NDArray view = weight.stopGradient();
            view.attach(scope);
            view.subi(view).addi(next);
        }
    }

    /** The predictor's current weight, (d, d) row-major. */
    public double[] predictorMatrix() {
        return toDoubles(predictorWeight().getArray().toFloatArray());
    }

    /** The current estimate F, (d, d) row-major (zeros before the first step). */
    public double[] correlation() {
        return correlation.clone();
    }

    public int dim() {
        return dim;
    }

    @Override
    public OptionalDouble predictorAlignment() {
        if (correlationUpdates == 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(CollapseMonitor.alignment(predictorMatrix(), correlation, dim));
    }

    /** F as float64 (exact) and the number of updates folded into it, by name. */
    @Override
    public NDList state() {
        if (stateScope != null) {
            stateScope.close();
        }
        stateScope = context.manager().newSubManager();
        NDArray f = stateScope.create(correlation, new Shape(dim, dim));
        f.setName(CORRELATION);
        NDArray updates = stateScope.create(new long[] {correlationUpdates}, new Shape(1));
        updates.setName(UPDATES);
        return new NDList(f, updates);
    }

    @Override
    public void loadState(NDList state) {
        NDArray f = state.get(CORRELATION);
        NDArray updates = state.get(UPDATES);
        if (state.size() != 2 || f == null || updates == null) {
            throw new IllegalArgumentException("DirectPred state holds " + CORRELATION + " and " + UPDATES + ", got "
                    + state.stream().map(NDArray::getName).toList());
        }
        if (!f.getShape().equals(new Shape(dim, dim)) || f.getDataType() != DataType.FLOAT64) {
            throw new IllegalArgumentException(CORRELATION + " must be float64 " + new Shape(dim, dim) + ", got "
                    + f.getDataType() + " " + f.getShape());
        }
        correlation = f.toDoubleArray();
        correlationUpdates = updates.toLongArray()[0];
        pendingBatchCorrelation = null;
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
