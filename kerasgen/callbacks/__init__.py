"""Training callbacks: posterior collapse, sample grids, mode collapse, player balance,
early stopping that survives a resume."""

from kerasgen.callbacks.epoch_checkpoint import EpochCheckpoint
from kerasgen.callbacks.image_grid import ImageGrid
from kerasgen.callbacks.posterior_collapse_monitor import PosteriorCollapseMonitor
from kerasgen.callbacks.mode_collapse_monitor import ModeCollapseMonitor
from kerasgen.callbacks.balance_monitor import BalanceMonitor
from kerasgen.callbacks.resumable_early_stopping import ResumableEarlyStopping
