"""Classical representations to set beside CEBRA -> SAE (docs/study.md §12).

Plain functions on arrays, each fit on the train split and applied to both splits, so that
they can be evaluated exactly like the selected SAEs (the post-hoc registry,
:mod:`cebra_sae.posthoc.representations`, wraps them as ``dictionary``, ``assemblies_ica``,
``nmf`` and ``sae_on_spikes``):

* :func:`assembly_count` and :func:`assemblies_ica`: cell-assembly detection on the
  z-scored binned spikes, without CEBRA (Lopes-dos-Santos, Ribeiro & Tort 2013, "Detecting
  cell assemblies in large neuronal populations", J. Neurosci. Methods 220): the number of
  assemblies is the number of eigenvalues of the neurons' correlation matrix above the
  Marchenko-Pastur upper bound ``(1 + sqrt(N / T))**2``; FastICA in the subspace of those
  eigenvectors gives the assembly patterns; an assembly's activation is the projection of
  the z-scored spikes on its pattern.
* :func:`fit_dictionary` and :func:`omp_codes` (together :func:`dictionary_codes`):
  classical sparse coding (Olshausen & Field 1996, "Emergence of simple-cell receptive field
  properties by learning a sparse code for natural images", Nature 381) of the CEBRA
  embedding: scikit-learn's ``MiniBatchDictionaryLearning``, codes by orthogonal matching
  pursuit at exactly ``k`` non-zeros (``sparse_encode``), the SAE's own budget.
* :func:`nmf_codes`: non-negative matrix factorisation (Lee & Seung 1999, "Learning the
  parts of objects by non-negative matrix factorization", Nature 401; scikit-learn's ``NMF``)
  of the spike counts, smoothed in time by a Gaussian of ``smooth_bins``.
* :func:`standardised_spikes`: the spikes z-scored with the train split's statistics, the
  input of ``sae_on_spikes`` (the selected SAE trained on the spikes instead of CEBRA).

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> spikes = rng.poisson(1.0, size=(2000, 30)).astype(float)
    >>> spikes[:, :5] += rng.poisson(3.0, size=(2000, 1))  # one planted assembly
    >>> assembly_count(spikes)
    1
"""

from __future__ import annotations

import warnings

import numpy as np


def marchenko_pastur_bound(n_neurons: int, n_bins: int) -> float:
    """Upper edge of the eigenvalue spectrum of the correlation matrix of ``n_neurons``
    independent neurons over ``n_bins`` bins: ``(1 + sqrt(n_neurons / n_bins))**2``.

    Example:
        >>> round(marchenko_pastur_bound(100, 10000), 4)
        1.21
    """
    return float((1.0 + np.sqrt(n_neurons / n_bins)) ** 2)


def _significant_subspace(spikes_train: np.ndarray) -> np.ndarray:
    """The neurons' correlation eigenvectors above the bound, ``(N, n)`` (zero rows for
    neurons that never vary)."""
    spikes = np.asarray(spikes_train, dtype=np.float64)
    active = spikes.std(axis=0) > 0
    corr = np.corrcoef(spikes[:, active], rowvar=False)
    eigenvalues, eigenvectors = np.linalg.eigh(corr)
    keep = eigenvalues > marchenko_pastur_bound(int(active.sum()), spikes.shape[0])
    vectors = np.zeros((spikes.shape[1], int(keep.sum())))
    vectors[active] = eigenvectors[:, keep]
    return vectors


def assembly_count(spikes_train: np.ndarray) -> int:
    """Number of cell assemblies: correlation eigenvalues above the Marchenko-Pastur bound
    (neurons that never vary are left out).

    The bound is the edge of the spectrum of independent neurons in the limit of many bins;
    a finite recording's largest null eigenvalue fluctuates around it, so independent
    neurons may show one spurious assembly (as in the published method, which uses the
    bound as it is)."""
    return _significant_subspace(spikes_train).shape[1]


#: Draws of each shuffle in :func:`assembly_count_nulls`.
ASSEMBLY_NULL_DRAWS = 10
#: The ``posthoc`` columns of the assembly count and its nulls (``assemblies_ica`` rows;
#: NaN in every other row).
ASSEMBLY_COLUMNS = ("n_assemblies", "assemblies_time_shuffled", "assemblies_position_shuffled")


def assembly_count_nulls(
    spikes_train: np.ndarray,
    labels_train: np.ndarray,
    edges: np.ndarray,
    seed,
    draws: int = ASSEMBLY_NULL_DRAWS,
) -> dict[str, float]:
    """The assembly count on shuffled spikes: are the "assemblies" more than place fields?

    * ``time``: each neuron's counts rolled by its own random offset (in ``[T/10, 9T/10]``):
      every co-firing is gone, including that of overlapping place fields, so this null
      only says there is structure, not that it is an assembly's.
    * ``position``: each neuron's counts permuted among the bins of the same position bin
      (``edges``) and running direction: each neuron keeps its place field, and only the
      co-firing beyond what position and direction explain is gone. A count no larger
      than this null's is place-field overlap, not assemblies.

    Returns:
        ``assemblies_time_shuffled`` and ``assemblies_position_shuffled``: the mean count
        over ``draws`` draws of each (a seeded generator).

    Example:
        >>> rng = np.random.default_rng(0)
        >>> pos = np.tile(np.linspace(0, 1, 100), 20)
        >>> labels = np.column_stack([pos, np.ones_like(pos), np.zeros_like(pos)])
        >>> field = np.exp(-((pos[:, None] - rng.uniform(size=30)) ** 2) / 0.01)
        >>> spikes = rng.poisson(3 * field)  # place cells, no assemblies
        >>> nulls = assembly_count_nulls(spikes, labels, np.linspace(0, 1, 21), seed=0, draws=3)
        >>> assembly_count(spikes), nulls["assemblies_position_shuffled"]  # fields, not assemblies
        (5, 5.0)
    """
    spikes = np.asarray(spikes_train, dtype=np.float64)
    rng = np.random.default_rng(seed)
    n_bins, n_neurons = spikes.shape
    where = np.clip(np.digitize(labels_train[:, 0], edges[1:-1]), 0, len(edges) - 2)
    group = where * 2 + (labels_train[:, 1] > 0.5)
    members = [np.flatnonzero(group == g) for g in np.unique(group)]
    timed, placed = [], []
    for _ in range(draws):
        shifts = rng.integers(n_bins // 10, 9 * n_bins // 10 + 1, size=n_neurons)
        rolled = np.column_stack([np.roll(spikes[:, n], s) for n, s in enumerate(shifts)])
        timed.append(assembly_count(rolled))
        permuted = spikes.copy()
        for idx in members:
            for n in range(n_neurons):
                permuted[idx, n] = spikes[rng.permutation(idx), n]
        placed.append(assembly_count(permuted))
    return {"assemblies_time_shuffled": float(np.mean(timed)),
            "assemblies_position_shuffled": float(np.mean(placed))}  # fmt: skip


def assemblies_ica(
    spikes_train: np.ndarray,
    spikes_valid: np.ndarray,
    n_assemblies: int | None = None,
    seed: int = 0,
):
    """Assembly patterns and activations (Lopes-dos-Santos et al. 2013).

    Args:
        spikes_train, spikes_valid: ``(T, N)`` spike counts; z-scored with the train split.
        n_assemblies: how many; default :func:`assembly_count` of the train split.
        seed: FastICA's random state.

    Returns:
        ``(patterns, a_train, a_valid)``: ``patterns`` ``(N, n)`` unit-length weights per
        assembly, signed so that the largest weight is positive; activations ``(T, n)``.
        With no assembly above the bound, ``n`` is 0.
    """
    z_train, z_valid = standardised_spikes(spikes_train, spikes_valid)
    subspace = _significant_subspace(spikes_train)
    if n_assemblies is not None and n_assemblies != subspace.shape[1]:
        from sklearn.decomposition import PCA

        subspace = PCA(n_components=n_assemblies, random_state=seed).fit(z_train).components_.T
    n = subspace.shape[1]
    if n == 0:
        return (
            np.zeros((z_train.shape[1], 0)),
            np.zeros((len(z_train), 0)),
            np.zeros((len(z_valid), 0)),
        )
    from sklearn.decomposition import FastICA

    ica = FastICA(n_components=n, whiten="unit-variance", random_state=seed, max_iter=1000,
                  tol=1e-4)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings: the caller logs the result
        ica.fit(z_train @ subspace)
    patterns = subspace @ ica.components_.T  # unmixing in the subspace, back to neurons
    patterns /= np.linalg.norm(patterns, axis=0, keepdims=True)
    signs = np.sign(patterns[np.abs(patterns).argmax(axis=0), np.arange(n)])
    patterns *= signs
    return patterns, z_train @ patterns, z_valid @ patterns


def fit_dictionary(z_train: np.ndarray, width: int, seed: int = 0, alpha: float = 1.0,
                   max_iter: int = 100) -> np.ndarray:  # fmt: skip
    """A dictionary of ``width`` unit-norm atoms ``(width, d)`` learned on ``z_train`` by
    scikit-learn's ``MiniBatchDictionaryLearning`` (penalty ``alpha``, seeded)."""
    from sklearn.decomposition import MiniBatchDictionaryLearning

    model = MiniBatchDictionaryLearning(n_components=int(width), alpha=alpha,
                                        max_iter=max_iter, random_state=seed)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(np.asarray(z_train, dtype=np.float64))
    return model.components_


def omp_codes(z: np.ndarray, atoms: np.ndarray, k: int) -> np.ndarray:
    """Codes ``(T, width)`` of ``z`` over ``atoms`` by orthogonal matching pursuit with
    ``min(k, d)`` non-zeros per sample (OMP cannot use more atoms than dimensions).

    Example:
        >>> import numpy as np
        >>> atoms = np.eye(4)
        >>> omp_codes(np.array([[3.0, 0.0, -1.0, 0.5]]), atoms, k=2).tolist()
        [[3.0, 0.0, -1.0, 0.0]]
    """
    from sklearn.decomposition import sparse_encode

    z = np.asarray(z, dtype=np.float64)
    k = min(int(k), z.shape[1], len(atoms))
    return sparse_encode(z, atoms, algorithm="omp", n_nonzero_coefs=k)


def dictionary_codes(
    z_train: np.ndarray,
    z_valid: np.ndarray,
    width: int,
    k: int,
    seed: int = 0,
    alpha: float = 1.0,
    max_iter: int = 100,
):
    """Sparse codes of an embedding over a learned dictionary, ``k`` non-zeros each:
    :func:`fit_dictionary` on train, :func:`omp_codes` on both splits.

    Returns:
        ``(dictionary, h_train, h_valid)``: atoms ``(width, d)``, codes ``(T, width)``.

    Example:
        >>> import numpy as np
        >>> z = np.random.default_rng(0).normal(size=(300, 4))
        >>> atoms, h_train, h_valid = dictionary_codes(z[:200], z[200:], width=16, k=2, max_iter=5)
        >>> atoms.shape, h_train.shape, int((h_valid != 0).sum(axis=1).max())
        ((16, 4), (200, 16), 2)
    """
    atoms = fit_dictionary(z_train, width, seed, alpha, max_iter)
    return atoms, omp_codes(z_train, atoms, k), omp_codes(z_valid, atoms, k)


def standardised_spikes(spikes_train: np.ndarray, spikes_valid: np.ndarray):
    """Both splits z-scored per neuron with the train split's mean and SD (scikit-learn's
    ``StandardScaler``; a neuron silent on train is 0)."""
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(np.asarray(spikes_train, dtype=np.float64))
    return (scaler.transform(np.asarray(spikes_train, dtype=np.float64)),
            scaler.transform(np.asarray(spikes_valid, dtype=np.float64)))  # fmt: skip


def nmf_codes(
    spikes_train: np.ndarray,
    spikes_valid: np.ndarray,
    n_components: int,
    seed: int = 0,
    smooth_bins: float = 2.0,
    max_iter: int = 500,
):
    """NMF of the spike counts smoothed by a Gaussian of ``smooth_bins`` (SD, in bins).

    Returns:
        ``(components, h_train, h_valid)``: non-negative ``(n_components, N)`` and
        activations ``(T, n_components)``.

    Example:
        >>> import numpy as np
        >>> s = np.random.default_rng(0).poisson(1.0, size=(400, 12)).astype(float)
        >>> w, h_train, h_valid = nmf_codes(s[:300], s[300:], n_components=3)
        >>> w.shape, h_valid.shape, bool((h_train >= 0).all() and (w >= 0).all())
        ((3, 12), (100, 3), True)
    """
    from scipy.ndimage import gaussian_filter1d
    from sklearn.decomposition import NMF

    def smooth(x):
        x = np.asarray(x, dtype=np.float64)
        return gaussian_filter1d(x, smooth_bins, axis=0) if smooth_bins > 0 else x

    model = NMF(n_components=int(n_components), init="nndsvda", random_state=seed,
                max_iter=max_iter)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h_train = model.fit_transform(smooth(spikes_train))
    return model.components_, h_train, model.transform(smooth(spikes_valid))
