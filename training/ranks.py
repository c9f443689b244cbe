"""Multi-process (DDP) runs: every rank must end with the same weights. DDP averages the
gradients so that they do; a layer whose gradient escapes that (a parameter used outside the
wrapped forward, a buffer updated per rank) makes them drift apart silently. Checked at the
end of fit, from a hash of each rank's parameters and buffers."""

import hashlib

import torch
import torch.distributed as dist

from .errors import UserError


def weights_digest(module: torch.nn.Module) -> str:
    digest = hashlib.sha256()
    for name, tensor in module.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def rank_digests(module: torch.nn.Module) -> list[str]:
    """Each rank's weights digest, in rank order (one entry without torch.distributed); raises
    a UserError on every rank when they differ."""
    digest = weights_digest(module)
    if not (dist.is_available() and dist.is_initialized()):
        return [digest]
    digests = [None] * dist.get_world_size()
    dist.all_gather_object(digests, digest)
    if len(set(digests)) != 1:
        raise UserError(f"the {len(digests)} DDP ranks ended training with different weights "
                        f"(sha256 per rank: {', '.join(d[:12] for d in digests)})")
    return digests
