"""Training callbacks: posterior collapse, sample grids, mode collapse, player balance,
early stopping that survives a resume, the training autopilot."""

from kerasgen.callbacks.epoch_cadence import EpochCadence
from kerasgen.callbacks.epoch_checkpoint import EpochCheckpoint
from kerasgen.callbacks.image_grid import ImageGrid
from kerasgen.callbacks.posterior_collapse_monitor import PosteriorCollapseMonitor
from kerasgen.callbacks.mode_collapse_monitor import ModeCollapseMonitor
from kerasgen.callbacks.balance_monitor import BalanceMonitor
from kerasgen.callbacks.cpu_budget import CPUBudget
from kerasgen.callbacks.resumable_early_stopping import ResumableEarlyStopping
from kerasgen.callbacks.autopilot import Autopilot
from kerasgen.callbacks.selection_judge import SelectionJudge

# The monitors a model can name in its `monitors` declaration, by name. Each takes the
# probe images (a seeded subset of the validation data) and `every` (an int or an
# `EpochCadence`: when it measures) and adds its numbers to the epoch's logs, so it runs
# before the checkpoint and the CSV log record them.
def gan_balance(probe, every=1):
    """A player winning for a whole epoch's steps (at most 200) is called out (it counts
    every step, at the cost of a few arithmetic operations: never skipped)."""
    return BalanceMonitor(patience="epoch")


def sample_diversity(probe, every=1):
    """Samples whose diversity (against the probe's) falls to half its best."""
    return ModeCollapseMonitor(reference=probe, num_samples=len(probe), seed=0, every=every,
                               diversity_threshold=0.0, diversity_drop=0.5)


def posterior_collapse(probe, every=1):
    """A VAE's KL to its prior below 0.1 nats for two epochs, or at the last epoch."""
    return PosteriorCollapseMonitor(probe, every=every)


MONITORS = {"posterior_collapse": posterior_collapse, "gan_balance": gan_balance,
            "sample_diversity": sample_diversity}
