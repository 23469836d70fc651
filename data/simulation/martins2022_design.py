"""Participant-level regional MS with prescribed ANCOVA statistics (Martins et al. 2022).

For one data set, each regional MS column is built as y_j = X beta_j + e_j with
X = [1, patient, age, male, ICV] (``male`` left out when everyone has the same sex, as in
the all-female FM data set). The residual e_j is orthogonal to every column of X, so

* the control-cell mean of y_j is exactly beta_0j + beta_age mean(age) + ... (set to the
  control MS pattern),
* the residual SD is exactly sigma_j, and
* the t of the group coefficient (equal to sqrt(F) of the type II ANCOVA group term) is
  exactly t_j, because beta_group,j = t_j sigma_j sqrt([(X'X)^-1]_gg).

The residuals share one common component f with loading lambda, chosen in closed form so that
the ANCOVA t of global MS (the mean of the 68 regions, Sec 2.4) equals the published T.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def design_matrix(covariates: pd.DataFrame) -> np.ndarray:
    """[1, patient, age, (male), icv] for one data set's participants."""
    columns = [np.ones(len(covariates)), (covariates["group"] == "patient").to_numpy(float),
               covariates["age"].to_numpy(float)]
    male = (covariates["sex"] == "male").to_numpy(float)
    if 0 < male.sum() < len(male):
        columns.append(male)
    columns.append(covariates["icv"].to_numpy(float))
    return np.column_stack(columns)


def _unit_residuals(rng: np.random.Generator, x: np.ndarray, k: int) -> np.ndarray:
    """k residual vectors orthogonal to the columns of `x`, scaled to residual variance 1;
    columns 1..k-1 are also made orthogonal to column 0 (the common component)."""
    n, p = x.shape
    q, _ = np.linalg.qr(x)
    raw = rng.standard_normal((n, k))
    res = raw - q @ (q.T @ raw)
    f = res[:, 0]
    res[:, 1:] -= np.outer(f, (f @ res[:, 1:]) / (f @ f))
    return res / np.sqrt((res ** 2).sum(axis=0) / (n - p))


def common_loading(sigma: np.ndarray, u: np.ndarray, df: int, target_sd: float) -> float:
    """lambda such that the mean of sigma_j (lambda f + sqrt(1 - lambda^2) u_j) has residual SD
    `target_sd` (f orthogonal to every u_j, all of unit residual variance)."""
    u_mean = (u * sigma).mean(axis=1)
    v = float(u_mean @ u_mean) / df
    s_bar2 = float(sigma.mean()) ** 2
    lam2 = (target_sd ** 2 - v) / (s_bar2 - v)
    if not 0.0 <= lam2 <= 1.0:
        raise RuntimeError(f"global-MS residual SD {target_sd:.4g} is not reachable "
                           f"(range {np.sqrt(v):.4g} to {np.sqrt(s_bar2):.4g})")
    return float(np.sqrt(lam2))


def regional_values(rng: np.random.Generator, covariates: pd.DataFrame, t: np.ndarray,
                    control_mean: np.ndarray, sigma: np.ndarray,
                    global_t: float | None, default_loading: float = 0.35) -> np.ndarray:
    """n x 68 regional MS of one data set with exact ANCOVA t and control means.

    ``global_t`` None (MDD: not reported) uses `default_loading` for the common component.
    """
    x = design_matrix(covariates)
    n, p = x.shape
    df = n - p
    c_gg = np.linalg.inv(x.T @ x)[1, 1]
    units = _unit_residuals(rng, x, t.size + 1)
    f, u = units[:, 0], units[:, 1:]
    beta_group = t * sigma * np.sqrt(c_gg)
    if global_t is None:
        lam = default_loading
    else:
        lam = common_loading(sigma, u, df, float(beta_group.mean() / (global_t * np.sqrt(c_gg))))
    resid = sigma * (lam * f[:, None] + np.sqrt(1 - lam ** 2) * u)
    beta_cov = np.column_stack([rng.normal(0, 0.0005, t.size)]
                               + ([rng.normal(0, 0.01, t.size)] if p == 5 else [])
                               + [rng.normal(0, 2e-5, t.size)])      # INVENTED small effects
    control = x[:, 1] == 0
    cov_at_control = x[control][:, 2:].mean(axis=0) @ beta_cov.T
    beta = np.column_stack([control_mean - cov_at_control, beta_group, beta_cov])
    return x @ beta.T + resid
