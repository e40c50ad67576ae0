package io.twinview.model;

import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An encoder's DJL parameter paths ({@code 04ParallelBlock_01SequentialBlock_01Conv2d_weight}) and
 * torchvision's {@code state_dict} keys ({@code layer1.0.conv1.weight}), both ways.
 *
 * <p>BN maps gamma, beta, runningMean, runningVar to weight, bias, running_mean, running_var;
 * torchvision's strict {@code load_state_dict} also wants a {@code num_batches_tracked} (int64
 * scalar) per BN, which DJL does not keep: {@link #stateDictKeys} lists it, the exporter writes 0
 * (torch uses it only when a BN's momentum is None). The fc is not part of our encoders: set {@code
 * model.fc = torch.nn.Identity()} before loading into {@code torchvision.models.resnet18()}.
 *
 * <p>The small ConvNet has no torchvision counterpart; its keys are our own, in the same style:
 * {@code stage1.conv.weight}, {@code stage1.bn.weight}, ... {@code stage4.bn.num_batches_tracked}.
 */
public final class TorchvisionNames {

    /** The BN buffer torch counts updates in; absent from DJL. */
    public static final String NUM_BATCHES_TRACKED = "num_batches_tracked";

    private static final String[] DJL_BN = {"gamma", "beta", "runningMean", "runningVar"};
    private static final String[] TORCH_BN = {"weight", "bias", "running_mean", "running_var"};

    private final Map<String, String> toTorch = new LinkedHashMap<>();
    private final Map<String, String> toDjl = new LinkedHashMap<>();
    private final List<String> stateDictKeys = new ArrayList<>();

    private TorchvisionNames(List<Module> modules, List<String> djlPaths) {
        List<String> torchKeys = new ArrayList<>();
        List<String> djlSuffixes = new ArrayList<>();
        for (Module module : modules) {
            if (module.batchNorm()) {
                for (int i = 0; i < TORCH_BN.length; i++) {
                    torchKeys.add(module.name() + "." + TORCH_BN[i]);
                    djlSuffixes.add(DJL_BN[i]);
                }
            } else {
                torchKeys.add(module.name() + ".weight");
                djlSuffixes.add("weight");
            }
        }
        if (torchKeys.size() != djlPaths.size()) {
            throw new IllegalStateException(
                    torchKeys.size() + " torchvision names for " + djlPaths.size() + " DJL parameters");
        }
        for (int i = 0; i < torchKeys.size(); i++) {
            String torch = torchKeys.get(i);
            String djl = djlPaths.get(i);
            if (!djl.endsWith("_" + djlSuffixes.get(i))) {
                throw new IllegalStateException("DJL parameter " + djl + " does not fit torchvision's " + torch);
            }
            toTorch.put(djl, torch);
            toDjl.put(torch, djl);
            stateDictKeys.add(torch);
            if (torch.endsWith(".running_var")) {
                stateDictKeys.add(torch.substring(0, torch.length() - "running_var".length()) + NUM_BATCHES_TRACKED);
            }
        }
    }

    /** The names of {@code kind}'s parameters. */
    public static TorchvisionNames of(EncoderKind kind) {
        List<String> djlPaths = new ArrayList<>();
        for (Pair<String, Parameter> parameter : kind.newBlock().getParameters()) {
            djlPaths.add(parameter.getKey());
        }
        List<Module> modules =
                kind.resNet() == null ? SmallConvNet.modules() : kind.resNet().torchvisionModules();
        return new TorchvisionNames(modules, djlPaths);
    }

    /** @throws IllegalArgumentException for a path this encoder does not have */
    public String torchKey(String djlPath) {
        String key = toTorch.get(djlPath);
        if (key == null) {
            throw new IllegalArgumentException("no parameter " + djlPath + " in this encoder");
        }
        return key;
    }

    /** @throws IllegalArgumentException for a key this encoder does not have, naming it */
    public String djlPath(String torchKey) {
        String path = toDjl.get(torchKey);
        if (path == null) {
            throw new IllegalArgumentException("no parameter " + torchKey + " in this encoder");
        }
        return path;
    }

    /** Every {@code state_dict} key in torchvision's order, {@code num_batches_tracked} included. */
    public List<String> stateDictKeys() {
        return Collections.unmodifiableList(stateDictKeys);
    }

    /** A torch module with parameters: a conv (weight only) or a BN (weight, bias and two running statistics). */
    record Module(String name, boolean batchNorm) {
        static Module conv(String name) {
            return new Module(name, false);
        }

        static Module batchNorm(String name) {
            return new Module(name, true);
        }
    }
}
