"""Training callbacks: posterior collapse, sample grids, mode collapse, player balance,
early stopping that survives a resume."""

from kerasgen.callbacks.epoch_checkpoint import EpochCheckpoint
from kerasgen.callbacks.image_grid import ImageGrid
from kerasgen.callbacks.posterior_collapse_monitor import PosteriorCollapseMonitor
from kerasgen.callbacks.mode_collapse_monitor import ModeCollapseMonitor
from kerasgen.callbacks.balance_monitor import BalanceMonitor
from kerasgen.callbacks.resumable_early_stopping import ResumableEarlyStopping

# The monitors a model can name in its `monitors` declaration, by name. Each takes the
# probe images (a seeded subset of the validation data) and adds its numbers to the
# epoch's logs, so it runs before the checkpoint and the CSV log record them.
MONITORS = {"posterior_collapse": PosteriorCollapseMonitor}
