"""SAE architectures, the batched trainer and the sweep metrics."""

import numpy as np
import pytest
import torch

from cebra_sae.protocols import PROTOCOLS
from cebra_sae.sae import ARCHITECTURES, SAESpec, TrainSettings, block_grid, encode, train_block
from cebra_sae.sae.activations import JumpReLU, batch_topk_relu, topk_relu
from cebra_sae.sae.architectures import TrainingBatch
from cebra_sae.sae.checkpoint import load_model, save_block
from cebra_sae.sae.metrics import dead_fraction, explained_variance, l0, nonzero_ratio
from cebra_sae.sae.reference import module_weights, train_one
from cebra_sae.sae.trainer import init_weights
from cebra_sae.sae_sweep import model_weights, protocol_settings, sweep_rows

PRE = torch.tensor([[[0.5, -1.0, 2.0, 0.1, 0.3]]])


# ---- activations: forward by hand ------------------------------------------------------


def test_standard_forward_and_penalty_by_hand():
    h, penalty = ARCHITECTURES["standard"].forward(PRE, {"l1": torch.tensor([0.1])}, {})
    torch.testing.assert_close(h, torch.tensor([[[0.5, 0.0, 2.0, 0.1, 0.3]]]))
    torch.testing.assert_close(penalty, torch.tensor([[0.29]]))  # 0.1 * (0.5+2+0.1+0.3)


@pytest.mark.parametrize(
    ("k", "expected"),
    [
        (1, [0.0, 0.0, 2.0, 0.0, 0.0]),
        (2, [0.5, 0.0, 2.0, 0.0, 0.0]),
        (3, [0.5, 0.0, 2.0, 0.0, 0.3]),
        (9, [0.5, 0.0, 2.0, 0.1, 0.3]),  # k > width keeps everything (ReLU still applies)
    ],
)
def test_topk_forward_by_hand(k, expected):
    h, penalty = ARCHITECTURES["topk"].forward(PRE, {"k": torch.tensor([k])}, {})
    torch.testing.assert_close(h, torch.tensor([[expected]]))
    assert penalty.abs().sum() == 0


def test_topk_keeps_exactly_k_per_sample_and_model():
    pre = torch.randn(3, 500, 64)  # ties have probability 0
    k = torch.tensor([1, 8, 32])
    counts = (topk_relu(pre.abs() + 0.01, k) != 0).sum(-1)
    for m in range(3):
        assert (counts[m] == k[m]).all()
    # the kept ones are the largest
    h = topk_relu(pre, k)
    kept_min = torch.where(h[1] != 0, h[1], torch.inf).min(-1).values
    dropped_max = torch.where((h[1] == 0) & (pre[1] > 0), pre[1], -torch.inf).max(-1).values
    assert (kept_min >= dropped_max).all()


def test_jumprelu_forward_by_hand():
    state = {"log_threshold": torch.log(torch.full((1, 5), 0.4))}
    hyper = {"bandwidth": torch.tensor([0.01]), "l1": torch.tensor([0.5])}
    h, penalty = ARCHITECTURES["jumprelu"].forward(PRE, hyper, state)
    torch.testing.assert_close(h, torch.tensor([[[0.5, 0.0, 2.0, 0.0, 0.0]]]))
    torch.testing.assert_close(penalty, torch.tensor([[1.0]]))  # 0.5 x 2 active latents


def test_seed_code_jumprelu_is_the_published_code():
    arch = ARCHITECTURES[PROTOCOLS["seed_code"].architecture_name("jumprelu")]
    assert arch.name == "jumprelu_seed_code"
    initial = {"encoder.weight": torch.zeros(1, 5, 2), "encoder.bias": torch.zeros(1, 5)}
    settings = TrainSettings(**protocol_settings("seed_code"))
    assert "log_threshold" not in arch.init_state(initial, torch.zeros(3, 2), {}, settings)
    hyper = {"l1": torch.tensor([2.0]), "bandwidth": torch.tensor([0.5])}
    h, penalty = arch.forward(PRE, hyper, {})
    relu = torch.tensor([0.5, 0.0, 2.0, 0.1, 0.3])
    torch.testing.assert_close(h[0, 0], relu)
    torch.testing.assert_close(penalty[0, 0], 2.0 * (1 - torch.exp(-relu / 0.5)).sum())


# ---- JumpReLU gradients: the published pseudo-gradient -----------------------------------


def _jumprelu_inputs():
    pre = torch.tensor([[[0.395, 0.41, 0.9, 0.1], [0.43, 0.38, 0.2, 0.401]]], requires_grad=True)
    theta = torch.full((1, 1, 4), 0.4, requires_grad=True)
    return pre, theta, torch.tensor(0.05).view(1, 1, 1)


def test_jumprelu_threshold_gets_the_rectangle_pseudo_gradient():
    pre, theta, eps = _jumprelu_inputs()
    h, _ = JumpReLU.apply(pre, theta, eps)
    h.sum().backward()
    # d/dθ = −(θ/ε)·K((π−θ)/ε), K = 1 where |π−θ| < ε/2 = 0.025, summed over samples:
    # latent 0: 0.395, 0.43 -> 1 in window; latent 1: 0.41, 0.38 -> 2; latent 3: 0.401 -> 1
    torch.testing.assert_close(theta.grad, torch.tensor([[[-8.0, -16.0, 0.0, -8.0]]]))
    # d/dπ = H(π − θ)
    torch.testing.assert_close(pre.grad, torch.tensor([[[0.0, 1.0, 1.0, 0.0],
                                                        [1.0, 0.0, 0.0, 1.0]]]))  # fmt: skip


def test_l0_term_sends_nothing_to_pre_and_minus_one_over_eps_to_theta():
    pre, theta, eps = _jumprelu_inputs()
    _, count = JumpReLU.apply(pre, theta, eps)
    torch.testing.assert_close(count, torch.tensor([[2.0, 2.0]]))
    count.sum().backward()
    torch.testing.assert_close(pre.grad, torch.zeros_like(pre))
    torch.testing.assert_close(theta.grad, torch.tensor([[[-20.0, -40.0, 0.0, -20.0]]]))


def test_jumprelu_penalty_gradient_through_log_threshold():
    arch = ARCHITECTURES["jumprelu"]
    log_theta = torch.log(torch.full((1, 3), 0.4)).requires_grad_(True)
    pre = torch.tensor([[[0.41, 0.9, 0.1]]], requires_grad=True)
    hyper = {"l1": torch.tensor([1.0]), "bandwidth": torch.tensor([0.05])}
    _, penalty = arch.forward(pre, hyper, {"log_threshold": log_theta})
    penalty.sum().backward()
    # chain rule through θ = exp(log θ): θ · (−1/ε) for the latent inside the window
    torch.testing.assert_close(log_theta.grad, torch.tensor([[-0.4 / 0.05, 0.0, 0.0]]))
    torch.testing.assert_close(pre.grad, torch.zeros_like(pre))


# ---- newer SAEs: gated, batchtopk, topk_auxk, jumprelu_quantile --------------------------


def test_gated_forward_by_hand():
    state = {
        "encoder.bias": torch.tensor([[0.2, -2.0, 0.0, 0.0, 0.0]]),
        "r_mag": torch.log(torch.full((1, 5), 2.0)),
        "b_mag": torch.tensor([[0.0, 1.0, -5.0, 0.3, 0.0]]),
    }
    h, penalty = ARCHITECTURES["gated"].forward(PRE, {"l1": torch.tensor([0.1])}, state)
    # π_mag = 2·(π_gate − b_enc) + b_mag = [0.6, 3.0, −1.0, 0.5, 0.6]; gate open where π_gate > 0
    # latent 1: gate closed (π_gate = −1) although π_mag = 3 > 0; latent 2: open, ReLU(−1) = 0
    torch.testing.assert_close(h, torch.tensor([[[0.6, 0.0, 0.0, 0.5, 0.6]]]))
    torch.testing.assert_close(penalty, torch.tensor([[0.29]]))  # 0.1 · ΣReLU(π_gate)


def _batch(arch, x, weights, hyper, settings=None, buffers=None):
    """A training forward of one model by hand; returns the TrainingBatch the hooks see."""
    state = {name: w.unsqueeze(0).requires_grad_(True) for name, w in weights.items()}
    state.update(buffers or {})
    pre = torch.baddbmm(state["encoder.bias"].unsqueeze(1), x,
                        state["encoder.weight"].transpose(1, 2))  # fmt: skip
    h, _ = arch.activation(True)(pre, hyper, state)
    x_hat = torch.baddbmm(state["decoder.bias"].unsqueeze(1), h,
                          state["decoder.weight"].transpose(1, 2))  # fmt: skip
    return TrainingBatch(x, pre, h, x_hat, state, hyper, settings or TrainSettings())


def test_gated_aux_loss_reaches_the_encoder_not_the_decoder():
    arch = ARCHITECTURES["gated"]
    x = torch.as_tensor(Z[:50], dtype=torch.float32)[None]
    weights = init_weights(8, 16, seed=0)
    weights.update(r_mag=torch.zeros(16), b_mag=torch.zeros(16))  # init_state's
    batch = _batch(arch, x, weights, {"l1": torch.tensor([0.1])})
    aux = arch.aux_loss(batch)
    st = batch.state
    frozen = batch.pre.relu()[0] @ st["decoder.weight"][0].T + st["decoder.bias"][0]
    torch.testing.assert_close(aux, ((frozen - x[0]) ** 2).mean()[None])
    aux.sum().backward()
    assert st["encoder.weight"].grad.abs().sum() > 0 and st["encoder.bias"].grad.abs().sum() > 0
    assert st["decoder.weight"].grad is None and st["decoder.bias"].grad is None


def test_gated_heaviside_passes_no_gradient_to_the_gate_bias():
    arch = ARCHITECTURES["gated"]
    x = torch.as_tensor(Z[:50], dtype=torch.float32)[None]
    weights = init_weights(8, 16, seed=0)
    weights.update(r_mag=torch.full((16,), 0.3), b_mag=torch.full((16,), 0.1))
    batch = _batch(arch, x, weights, {"l1": torch.tensor([0.1])})
    batch.h.sum().backward()  # h's only path to b_enc is the gate (π_mag − b_enc cancels)
    torch.testing.assert_close(batch.state["encoder.bias"].grad, torch.zeros(1, 16))
    assert batch.state["encoder.weight"].grad.abs().sum() > 0  # the magnitude path


def test_batchtopk_training_keeps_exactly_k_times_batch_per_model():
    pre = torch.randn(3, 64, 32).abs() + 0.01  # ties have probability 0
    k = torch.tensor([1, 4, 40])  # 40 > width: keeps all
    h, penalty = ARCHITECTURES["batchtopk"].train_forward(pre, {"k": k}, {})
    torch.testing.assert_close(h, batch_topk_relu(pre, k))
    assert penalty.abs().sum() == 0
    assert (h != 0).sum(dim=(1, 2)).tolist() == [64, 256, 64 * 32]
    assert (h[1] != 0).sum(-1).unique().numel() > 1  # per sample it varies
    kept_min = h[1][h[1] != 0].min()
    assert kept_min >= pre[1][h[1] == 0].max()  # the kept ones are the batch's largest


def test_batchtopk_threshold_is_the_moving_average_of_the_smallest_kept():
    arch = ARCHITECTURES["batchtopk"]
    settings = TrainSettings(batchtopk_threshold_decay=0.9)
    state = {"threshold": torch.zeros(2)}
    h = torch.tensor([[[0.0, 3.0], [0.5, 2.0]], [[0.0, 0.0], [0.0, 0.0]]])  # model 1: none
    arch.update_buffers(TrainingBatch(None, h, h, None, state, {}, settings))
    torch.testing.assert_close(state["threshold"], torch.tensor([0.5, 0.0]))  # first: set
    h = torch.tensor([[[1.5, 3.0], [0.0, 2.0]], [[0.0, 0.7], [0.0, 0.0]]])
    arch.update_buffers(TrainingBatch(None, h, h, None, state, {}, settings))
    torch.testing.assert_close(state["threshold"], torch.tensor([0.9 * 0.5 + 0.1 * 1.5, 0.7]))
    # inference: h = pre·H(pre − θ), per model
    h, _ = arch.forward(torch.tensor([[[0.5, 0.7, -1.0]], [[0.5, 0.7, 0.8]]]), {}, state)
    torch.testing.assert_close(h, torch.tensor([[[0.0, 0.7, 0.0]], [[0.0, 0.0, 0.8]]]))


def test_batchtopk_inference_keeps_about_k_per_sample():
    z = np.random.default_rng(1).normal(size=(2000, 8)).astype(np.float32)
    specs = [SAESpec("batchtopk", 4, 3e-3, k=k) for k in (2, 4, 8)]
    block = train_block(z, specs, TrainSettings(epochs=20))
    assert (block.weights["threshold"] > 0).all()
    for i, spec in enumerate(specs):
        weights = model_weights(block, i)
        h, _ = encode(z, weights, spec)
        assert l0(h) == pytest.approx(spec.k, rel=0.3), (spec.k, l0(h))
        pre = z @ weights["encoder.weight"].T + weights["encoder.bias"]
        np.testing.assert_allclose(h, pre * (pre > weights["threshold"]), rtol=1e-6)


def test_auxk_dead_counter_counts_samples_since_a_latent_fired():
    arch = ARCHITECTURES["topk_auxk"]
    state = {"dead_counter": torch.tensor([[0, 100, 5000]])}
    h = torch.tensor([[[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]])  # B = 2, latent 1 fired
    arch.update_buffers(TrainingBatch(None, h, h, None, state, {}, TrainSettings()))
    assert state["dead_counter"].tolist() == [[2, 0, 5002]]


def test_auxk_loss_is_zero_without_dead_latents_and_trains_the_dead_ones():
    arch = ARCHITECTURES["topk_auxk"]
    x = torch.as_tensor(Z[:64], dtype=torch.float32)[None]
    weights = init_weights(8, 32, seed=0)
    settings = TrainSettings(auxk_dead_after=100)
    hyper = {"k": torch.tensor([2])}
    alive = _batch(arch, x, weights, hyper, settings, {"dead_counter": torch.zeros(1, 32).long()})
    loss = arch.training_extras(alive)  # the counter goes to 64 at most: nothing dead
    assert alive.state["dead_counter"].max() <= 64 and loss.item() == 0
    dead = torch.zeros(1, 32, dtype=torch.long)
    dead[0, :10] = 1000  # latents 0-9 dead (unless they fire in this batch)
    batch = _batch(arch, x, weights, hyper, settings, {"dead_counter": dead})
    loss = arch.training_extras(batch)
    still_dead = batch.state["dead_counter"][0] >= 100
    assert still_dead.sum() > 0 and loss.item() > 0
    # by hand: α·‖e − ê‖²/‖e − ē‖², ê from the top k_aux = 4 dead latents' ReLU(pre)
    e = (x - batch.x_hat).detach()[0]
    masked = batch.pre[0] * still_dead
    h_aux = torch.zeros_like(masked).scatter(-1, masked.topk(4).indices,
                                             masked.topk(4).values.relu())  # fmt: skip
    e_hat = h_aux @ batch.state["decoder.weight"][0].T
    expected = ((e - e_hat) ** 2).sum() / ((e - e.mean(0)) ** 2).sum() / 32
    torch.testing.assert_close(loss, expected[None])
    loss.sum().backward()
    rows = batch.state["encoder.weight"].grad[0].abs().sum(-1)
    fires = (batch.pre[0] > 0).any(0)
    assert (still_dead & fires).any()
    assert (rows[still_dead & fires] > 0).all() and (rows[~still_dead] == 0).all()


def test_jumprelu_quantile_starts_at_the_quantile_and_ends_sparser_than_jumprelu():
    z = np.random.default_rng(1).normal(size=(2000, 8)).astype(np.float32)
    ratios = {}
    for arch in ("jumprelu", "jumprelu_quantile"):
        spec = SAESpec(arch, 4, 1e-3, l1=1e-2, bandwidth=1e-3)
        for epochs in (0, 5):
            block = train_block(z, [spec], TrainSettings(epochs=epochs))
            ratios[arch, epochs] = nonzero_ratio(encode(z, model_weights(block, 0), spec)[0])
    assert ratios["jumprelu_quantile", 0] == pytest.approx(1 - 0.9, abs=0.01), ratios
    assert ratios["jumprelu_quantile", 5] < ratios["jumprelu", 5] / 2, ratios
    # the floor: no threshold below jumprelu_init_threshold
    settings = TrainSettings(init_quantile=0.01, init_threshold=0.05)
    initial = {n: w[None] for n, w in init_weights(8, 32, seed=0).items()}
    state = ARCHITECTURES["jumprelu_quantile"].init_state(initial, torch.as_tensor(z), {}, settings)
    assert state["log_threshold"].exp().min() == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("arch", "own"),
    [("gated", dict(l1=1e-3)), ("batchtopk", dict(k=2)), ("topk_auxk", dict(k=2)),
     ("jumprelu_quantile", dict(l1=1e-3, bandwidth=1e-3))],
)  # fmt: skip
def test_new_architectures_round_trip_through_checkpoints(tmp_path, arch, own):
    z = np.random.default_rng(6).normal(size=(300, 4))
    spec = SAESpec(arch, 2, 1e-3, **own)
    block = train_block(z, [spec], TrainSettings(epochs=2, batch_size=64))
    save_block(tmp_path / "block.npz", block)
    loaded_spec, weights = load_model(tmp_path / "block.npz", spec.model_id)
    assert sorted(weights) == sorted(block.weights)
    for a, b in zip(encode(z, weights, loaded_spec), encode(z, model_weights(block, 0), spec),
                    strict=True):  # fmt: skip
        np.testing.assert_array_equal(a, b)
    assert not sweep_rows(block, z, z)[0]["diverged"]


# ---- the batched trainer -----------------------------------------------------------------

Z = np.random.default_rng(0).normal(size=(700, 8))


@pytest.mark.parametrize("protocol", ["paper", "seed_code"])
@pytest.mark.parametrize(
    ("arch", "own", "extra"),
    [
        ("standard", [dict(l1=1e-3), dict(l1=1e-2)], {}),
        ("topk", [dict(k=4), dict(k=8)], {}),
        ("jumprelu", [dict(l1=1e-3, bandwidth=1e-3), dict(l1=1e-2, bandwidth=5e-3)], {}),
        ("gated", [dict(l1=1e-3), dict(l1=1e-2)], {}),
        ("batchtopk", [dict(k=2), dict(k=8)], {}),
        ("topk_auxk", [dict(k=1), dict(k=4)], dict(auxk_dead_after=64)),  # AuxK acts
        (
            "jumprelu_quantile",
            [dict(l1=1e-3, bandwidth=1e-3), dict(l1=1e-2, bandwidth=5e-3)],
            {},
        ),
    ],
)
def test_batched_training_equals_training_each_model_alone(protocol, arch, own, extra):
    grid = [(lr, hp, seed) for lr in (1e-3, 3e-4) for hp in own for seed in (0, 1)]
    specs = [SAESpec(arch, 4, lr, sae_seed=seed, **hp) for lr, hp, seed in grid]
    settings = TrainSettings(
        **protocol_settings(protocol), epochs=5, batch_size=64, dtype=torch.float64, **extra
    )
    block = train_block(Z, specs, settings)
    for i, spec in enumerate(specs):
        model, history = train_one(Z, spec, settings)
        alone = module_weights(model)
        assert sorted(alone) == sorted(block.weights)
        for name, weight in alone.items():
            np.testing.assert_allclose(block.weights[name][i], weight, rtol=0, atol=1e-9)
        np.testing.assert_allclose(block.loss_history[i], history, rtol=1e-9)


def test_batched_training_in_float32_matches_closely():
    specs = [SAESpec("topk", 8, 1e-3, k=k) for k in (4, 16)]
    settings = TrainSettings(epochs=3, batch_size=256)
    block = train_block(Z, specs, settings)
    for i, spec in enumerate(specs):
        model, _ = train_one(Z, spec, settings)
        for name, weight in module_weights(model).items():
            np.testing.assert_allclose(block.weights[name][i], weight, atol=1e-4)


def test_training_is_deterministic_and_seeded():
    specs = [SAESpec("standard", 2, 1e-3, l1=1e-3, sae_seed=s) for s in (0, 0, 5)]
    a = train_block(Z, specs, TrainSettings(epochs=2))
    b = train_block(Z, specs, TrainSettings(epochs=2))
    for name in a.weights:
        np.testing.assert_array_equal(a.weights[name], b.weights[name])
        np.testing.assert_array_equal(a.weights[name][0], a.weights[name][1])
        assert not np.array_equal(a.weights[name][0], a.weights[name][2])


@pytest.mark.parametrize(
    ("arch", "lr", "extra", "init_threshold"),
    [("standard", 1e-3, {}, 0.001), ("jumprelu", 1e-2, {"bandwidth": 0.05}, 0.1)],
)
def test_a_larger_penalty_gives_a_sparser_code(arch, lr, extra, init_threshold):
    z = np.random.default_rng(1).normal(size=(1500, 8)).astype(np.float32)
    specs = [SAESpec(arch, 4, lr, l1=l1, **extra) for l1 in (1e-4, 1e-2, 1e-1)]
    block = train_block(z, specs, TrainSettings(epochs=15, init_threshold=init_threshold))
    ratios = [nonzero_ratio(encode(z, model_weights(block, i), s)[0]) for i, s in enumerate(specs)]
    assert ratios[0] > ratios[1] > ratios[2], ratios


def test_training_reconstructs():
    z = np.random.default_rng(2).normal(size=(2000, 4))
    specs = [SAESpec("topk", 4, 3e-3, k=4), SAESpec("topk", 4, 3e-3, k=1)]
    block = train_block(z, specs, TrainSettings(epochs=20))
    rows = sweep_rows(block, z[:1500], z[1500:])
    assert rows[0]["explained_variance_valid"] > 0.8
    assert rows[1]["explained_variance_valid"] < rows[0]["explained_variance_valid"]
    assert rows[1]["l0_train"] <= 1 and rows[0]["l0_train"] <= 4
    assert all(not r["diverged"] and not r["all_dead"] for r in rows)
    assert block.loss_history[0, -1] < block.loss_history[0, 0]


def test_diverged_models_are_flagged_not_fatal():
    z = np.random.default_rng(3).normal(size=(300, 4))
    specs = [SAESpec("standard", 2, 1e-3, l1=1e-3), SAESpec("standard", 2, 1e12, l1=1e-3)]
    block = train_block(z, specs, TrainSettings(epochs=3))
    rows = sweep_rows(block, z, z)
    assert not rows[0]["diverged"] and np.isfinite(rows[0]["explained_variance_train"])
    assert rows[1]["diverged"] or rows[1]["all_dead"]


def test_block_grid_matches_the_study():
    from cebra_sae.config import defaults

    grid = defaults("sae")  # the schema's defaults: the paper's grid (docs/study.md §4)
    assert {key: grid[key] for key in ("learning_rate", "l1", "k", "bandwidth", "seeds")} == dict(
        learning_rate=[1e-4, 3e-4, 1e-3], l1=[1e-4, 1e-3, 1e-2], k=[8, 16, 32],
        bandwidth=[5e-4, 1e-3, 5e-3], seeds=[0],
    )  # fmt: skip
    sizes = {arch: len(block_grid(arch, 8, grid)) for arch in ("standard", "topk", "jumprelu")}
    assert sizes == {"standard": 9, "topk": 9, "jumprelu": 27}  # x 3 expansions = 135
    ids = [s.model_id for arch in sizes for s in block_grid(arch, 8, grid)]
    assert len(set(ids)) == len(ids)
    with pytest.raises(KeyError, match="unknown SAE architecture"):
        block_grid("dense", 8, grid)


# ---- metrics with a known answer ---------------------------------------------------------


def test_sparsity_metrics_by_hand():
    h = np.array([[1.0, 0.0, 0.0, 0.0], [2.0, 3.0, 0.0, 0.0]])
    assert nonzero_ratio(h) == pytest.approx(3 / 8)
    assert l0(h) == pytest.approx(1.5)
    assert dead_fraction(h) == pytest.approx(0.5)
    assert nonzero_ratio(np.ones((5, 3))) == 1.0 and dead_fraction(np.zeros((5, 3))) == 1.0


def test_explained_variance_is_dataset_level():
    rng = np.random.default_rng(4)
    z = rng.normal(size=(1000, 3)) + np.array([5.0, -2.0, 0.0])
    noise = rng.normal(scale=0.5, size=z.shape)
    expected = 1 - (noise**2).sum() / ((z - z.mean(0)) ** 2).sum()
    assert explained_variance(z, z + noise) == pytest.approx(expected)
    assert explained_variance(z, z) == 1.0
    assert explained_variance(z, np.tile(z.mean(0), (1000, 1))) == pytest.approx(0.0)


def test_k_at_least_the_width_keeps_every_latent_and_is_recorded():
    z = np.random.default_rng(5).normal(size=(300, 2))
    specs = [SAESpec("topk", 2, 1e-3, k=k) for k in (1, 4, 64)]
    rows = sweep_rows(train_block(z, specs, TrainSettings(epochs=1)), z, z)
    assert [r["k"] for r in rows] == [1, 4, 64]
    assert [r["k_effective"] for r in rows] == [1, 4, 4]  # width 4
    assert rows[2]["l0_train"] <= 4
    standard = sweep_rows(train_block(z, [SAESpec("standard", 2, 1e-3, l1=1e-3)],
                                      TrainSettings(epochs=1)), z, z)  # fmt: skip
    assert standard[0]["k_effective"] is None


def test_the_core_s_defaults_are_the_config_schema_s():
    """The study passes every training setting from its config; the core's own defaults (for
    use without the study) are the same values as the schema's."""
    from cebra_sae.sae_sweep import train_settings

    core = TrainSettings()
    study = train_settings({}, "paper")  # the schema's defaults under the paper's protocol
    assert {name: getattr(core, name) for name in study} == study


def test_a_spec_written_before_sae_seed_still_loads():
    old = {"arch": "topk", "expansion": 8, "lr": 0.001, "l1": None, "k": 8, "bandwidth": None,
           "seed": 1}  # fmt: skip
    spec = SAESpec.from_dict(old)
    assert spec.sae_seed == 1 and spec.model_id == "topk-x8-lr0.001-k8-seed1"
