package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import io.twinview.model.Seeds;
import io.twinview.proto.v1.MoCoSettings;
import io.twinview.proto.v1.ProjectorSpec;
import io.twinview.trainer.loss.InfoNce;
import io.twinview.trainer.loss.NtXent;
import io.twinview.trainer.loss.Scalars;
import java.util.Map;

/**
 * MoCo, momentum contrast. v1: He, Fan, Wu, Xie, Girshick, "Momentum Contrast for Unsupervised
 * Visual Representation Learning", CVPR 2020, https://arxiv.org/abs/1911.05722. v2: Chen, Fan,
 * Girshick, He, "Improved Baselines with Momentum Contrastive Learning", https://arxiv.org/abs/2003.04297.
 *
 * <p>A query network (the encoder and a head g_q) and a key network (a copy of both) whose parameters
 * follow the query ones as a moving average after every optimizer step,
 * {@code theta_k = m theta_k + (1 - m) theta_q}, and are never trained by gradient ({@link MomentumTwins};
 * batch-norm running statistics are the key network's own). Past keys wait in a FIFO queue of K negatives ({@link MoCoQueue}, method {@link #state()}, so a resumed run continues
 * with the same queue); the loss is {@link InfoNce} of a query against its positive key (the same
 * image's other view through the key network) and the K queued keys, at temperature T. The keys of a
 * step enter the queue after the step, in {@link #afterStep}.
 *
 * <p>v1 and v2 are this one class with two definitions, differing in settings only: the head
 * ({@code projectorLayers} 1 = v1's linear fc to 128; 2 = v2's Linear-ReLU-Linear MLP, without
 * batch-norm, as in {@code moco/builder.py} and solo-learn), the temperature (v1 0.07, v2 0.2) and
 * the augmentation recipe (v1 {@code mocov1}, v2 {@code mocov2}: SimCLR's with MoCo's crop scale and
 * blur). v2's cosine schedule is what both use here.
 *
 * <p>Symmetrised loss (our choice; both papers use one query view and one key view): each view is a
 * query against the other's key, {@code L = (InfoNCE(q1, k2) + InfoNCE(q2, k1)) / 2}, and both
 * views' keys are enqueued (2N per step, k1 then k2), as in the authors' own CIFAR demo
 * ({@code facebookresearch/moco colab/moco_cifar10_demo.ipynb}, {@code --symmetric}: k-NN 85.3 vs
 * 82.6% at 200 epochs) and solo-learn's {@code mocov2plus} (which averages as here, but keeps one
 * queue per view). The demo's note: the symmetric loss "behaves like 2x epochs of the asymmetric
 * counterpart", which is what a run of 10-20 epochs needs; it costs a second query forward/backward
 * and key forward per pair.
 *
 * <p>Split batch-norm in the key network. MoCo shuffles the key batch across GPUs (Shuffle BN,
 * sec. 3.3) so that a query and its key are not normalised with the same statistics, which lets
 * the model cheat the pretext task. On one device the authors' CIFAR demo simulates it with split
 * (ghost) batch-norm ({@code --bn-splits 8}). Here the key encoder is forwarded in training mode on
 * {@code key_bn_splits} consecutive sub-batches, each normalised with its own statistics, and the
 * features concatenated; the query encoder normalises over its whole view batch (deviation: the
 * demo splits the query encoder's batch too and shuffles the keys; with whole-batch query statistics
 * the key sub-batches are already different statistics from the query's, and shuffling a batch that
 * arrives in random order adds nothing). The key encoder's running statistics are updated once per
 * sub-batch (the demo averages them across splits); they only serve its own training-mode forwards,
 * which never read them.
 *
 * <p>CIFAR-10 settings in the literature. MoCo v1 has no CIFAR experiment; its ImageNet recipe is
 * SGD lr 0.03 (batch 256) momentum 0.9 wd 1e-4, 200 epochs with lr x0.1 at 120 and 160, K 65536,
 * m 0.999, T 0.07, 128-d linear head. The authors' CIFAR demo: ResNet-18 (CIFAR stem), SGD lr 0.06 at
 * batch 512, wd 5e-4, cosine over 200 epochs, 128-d linear head, K 4096, m 0.99, T 0.1, 8 BN splits,
 * SimCLR's augmentation. MoCo v2 (paper, ImageNet): as v1 with a 2048-d hidden MLP head, T 0.2,
 * cosine, aug+ (crop scale 0.2-1, jitter 0.4/0.4/0.4/0.1 p 0.8, grayscale 0.2, blur p 0.5). solo-learn
 * {@code scripts/pretrain/cifar/mocov2plus.yaml}: ResNet-18, SGD lr 0.3 x batch/256 momentum 0.9
 * wd 1e-4, warmup-cosine, batch 256, 1000 epochs, projector 2048-256, K 32768, T 0.2, tau 0.99 ->
 * 0.999 (cosine), symmetric loss, SimCLR's crops and jitter plus blur p 0.5 at 32 px.
 *
 * <p>Our CPU-budget defaults ({@link #V1}, {@link #V2}; {@link Recipe#cpuBudget}, batch 64, 10
 * epochs) and their deviations: Adam lr 1e-3 (SGD at the papers' rates barely moves in the few
 * hundred steps a 2-core run affords); cosine for v1 too (the trainer has no step schedule; v1's
 * steps at 60% and 80% are nearer cosine than constant); K 4096 and m 0.99 (the authors' CIFAR
 * demo); v2's hidden width = the encoder's (256 on the small ConvNet) instead of 2048; 8 key BN
 * splits. Batch 64 because MoCo needs steps more than a large batch: its negatives come from the
 * queue, and the key network and the queue must both move within the run (at batch 256 the
 * subset gives 14 steps an epoch against m 0.99's time constant of 100 steps). The measurements
 * behind each choice: docs/recipes.md.
 */
public final class MoCo extends SslMethod {

    /** Most negatives a queue may hold (2^20; MoCo v1's ImageNet queue is 65,536). */
    static final int MAX_QUEUE = 1 << 20;

    /** The queue holds whole steps of keys; the key BN splits cut the batch evenly. */
    private static final Map<String, SettingCheck> CHECKS = Map.of(
            "temperature",
            SettingCheck.positiveAtMost(100),
            "momentum",
            SettingCheck.rate(),
            "queue_size",
            (queue, run) -> queue >= run.batchSize() && queue <= MAX_QUEUE && queue % run.batchSize() == 0
                    ? null
                    : "a multiple of batch_size (" + run.batchSize() + ") up to " + MAX_QUEUE,
            "key_bn_splits",
            (splits, run) -> splits >= 1 && run.batchSize() % splits == 0
                    ? null
                    : "a divisor of batch_size (" + run.batchSize() + ")");

    /** MoCo v1: linear head to 128, T 0.07, MoCo v1's (InstDisc's) augmentation; CPU-budget optimizer. */
    public static final MethodDefinition<MoCoSettings> V1 =
            definition("mocov1", "https://arxiv.org/abs/1911.05722", "mocov1", 1, 0.07);

    /**
     * MoCo v2: MLP head (hidden = encoder width) to 128, the {@code mocov2} augmentation (SimCLR's
     * with crop scale (0.2, 1) and blur p 0.5; without blur at 32 px), T 0.1 on the CPU budget (the
     * authors' own CIFAR demo value; the paper's 0.2 is a {@code --set mocov2.temperature=0.2} away).
     */
    public static final MethodDefinition<MoCoSettings> V2 =
            definition("mocov2", "https://arxiv.org/abs/2003.04297", "mocov2", 2, 0.1);

    private static MethodDefinition<MoCoSettings> definition(
            String key, String paper, String augment, int headLayers, double temperature) {
        MoCoSettings defaults = MoCoSettings.newBuilder()
                .setProjector(ProjectorSpec.newBuilder()
                        .setOutputDim(128)
                        .setLayers(headLayers)) // hidden: the encoder's width
                .setTemperature(temperature)
                .setMomentum(0.99)
                .setQueueSize(4096)
                .setKeyBnSplits(8)
                .build();
        return new MethodDefinition<>(key, paper, Recipe.cpuBudget(64, 10, augment), defaults, CHECKS, MoCo::new);
    }

    private final Block projector;
    private final Block keyEncoder;
    private final Block keyProjector;
    private final MomentumTwins keyNetwork;
    private final MoCoQueue queue;
    private final double temperature;
    private final int keyBnSplits;
    /** This step's keys (2N, out), k1 then k2, enqueued by {@link #afterStep}. */
    private NDArray pendingKeys;

    public MoCo(MethodContext context, MoCoSettings settings) {
        super(context);
        int featureDim = context.encoderKind().featureDim();
        temperature = settings.getTemperature();
        keyBnSplits = settings.getKeyBnSplits();
        projector = Heads.initialized(head(settings.getProjector()), context, "projector", featureDim);
        keyNetwork = new MomentumTwins(TauSchedule.constant(settings.getMomentum()));
        keyEncoder = keyNetwork.encoder("key_encoder", context);
        keyProjector = keyNetwork.head("key_projector", projector, head(settings.getProjector()), featureDim, context);
        queue = new MoCoQueue(
                context.manager(),
                settings.getQueueSize(),
                settings.getProjector().getOutputDim(),
                Seeds.derive(context.seed(), "moco_queue"));
    }

    /**
     * {@code layers - 1} Linear-ReLU blocks of width {@code hidden_dim}, then a Linear to
     * {@code output_dim}: v1's fc (1 layer), v2's MLP (2). No batch-norm, as in MoCo v2's
     * {@code nn.Sequential(nn.Linear(dim_mlp, dim_mlp), nn.ReLU(), fc)}.
     */
    private static Block head(ProjectorSpec spec) {
        SequentialBlock head = new SequentialBlock();
        for (int i = 0; i < spec.getLayers() - 1; i++) {
            head.add(Linear.builder().setUnits(spec.getHiddenDim()).build()) // (N, hidden)
                    .add(Activation::relu);
        }
        head.add(Linear.builder().setUnits(spec.getOutputDim()).build()); // (N, out)
        return head;
    }

    @Override
    protected Map<String, Block> heads() {
        return Map.of("projector", projector);
    }

    /** The key network: key_encoder, key_projector. */
    @Override
    public Map<String, Block> targetBlocks() {
        return keyNetwork.blocks();
    }

    @Override
    public NDArray loss(ParameterStore parameters, NDArray view1, NDArray view2) {
        NDArray q1 = forward(projector, parameters, forward(encoder, parameters, view1)); // (N, out)
        NDArray q2 = forward(projector, parameters, forward(encoder, parameters, view2)); // (N, out)
        NDArray k1 = keys(parameters, view1); // (N, out), unit rows, no gradient
        NDArray k2 = keys(parameters, view2); // (N, out)
        NDArray negatives = queue.negatives(view1.getManager()); // (K, out)
        NDArray loss = Scalars.div(
                InfoNce.loss(q1, k2, negatives, temperature).add(InfoNce.loss(q2, k1, negatives, temperature)), 2);
        pendingKeys = k1.concat(k2, 0); // (2N, out)
        recordEmbeddings(q1);
        return loss;
    }

    /**
     * The key network on one view: the encoder on {@code key_bn_splits} consecutive sub-batches in
     * training mode, so each normalises with its own statistics (split batch-norm), then the head.
     *
     * @return (N, out) L2-normalised keys, cut from the graph
     */
    NDArray keys(ParameterStore parameters, NDArray view) {
        int n = Math.toIntExact(view.getShape().get(0));
        int splits = Math.min(keyBnSplits, n);
        NDList features = new NDList(splits);
        for (int s = 0; s < splits; s++) {
            long from = (long) s * n / splits;
            long to = (long) (s + 1) * n / splits;
            features.add(forward(keyEncoder, parameters, view.get(from + ":" + to))); // (to - from, D)
        }
        NDArray h = splits == 1 ? features.get(0) : NDArrays.concat(features, 0); // (N, D)
        return NtXent.l2Normalize(forward(keyProjector, parameters, h)).stopGradient(); // (N, out)
    }

    /** The momentum update of the key network, then this step's keys into the queue. */
    @Override
    public void afterStep(long step, long totalSteps) {
        keyNetwork.update(step, totalSteps);
        if (pendingKeys != null) {
            queue.enqueue(pendingKeys);
            pendingKeys = null;
        }
    }

    /** The queue (K, out) and its pointer: {@value MoCoQueue#KEYS}, {@value MoCoQueue#POINTER}. */
    @Override
    public NDList state() {
        return queue.state();
    }

    @Override
    public void loadState(NDList state) {
        queue.load(state);
        pendingKeys = null;
    }
}
