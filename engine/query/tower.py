"""CLIP's text tower as a NumPy forward pass over weights exported once (engine.model.text_export).

The export is one safetensors file: per block ln_1, attention (fused q/k/v, output), ln_2 and the
MLP, all matrices stored as [in, out] so a row of activations multiplies them directly; plus the
token and position embeddings, ln_final and the projection. Its metadata says how to run it
(heads, activation, LayerNorm eps, causal mask) and what it belongs to (the model fingerprint).

For token ids t_0..t_{L-1} of one text (L = its end token's position + 1; the mask is causal, so
later positions cannot change the pooled one, as in engine.model.clip.encode_text_tokens):

    x = E[t] + P[:L]                                        [L, W]
    per block:  x += A(LN1(x)),  x += MLP(LN2(x))            A: h heads of W/h, softmax(q k^T / sqrt(W/h) + M)
    v = LN_final(x)[L-1] @ proj                              [D], then v / |v|

Only the rows of E the query uses are read from the file (the embedding is most of the bytes).
"""

from __future__ import annotations

import json
import math
import mmap
import struct
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np

#: Bump when the file layout or the forward pass changes; older files are then re-exported.
FORMAT = "glimpse-text-tower/1"
#: A header larger than this is not one we wrote (ours is a few kB).
MAX_HEADER_BYTES = 16 << 20


class Activation(StrEnum):
    """The MLP's non-linearity."""

    QUICK_GELU = "quick_gelu"  # x * sigmoid(1.702 x), OpenAI CLIP's
    GELU = "gelu"  # exact (erf)
    GELU_TANH = "gelu_tanh"


@dataclass(frozen=True)
class TowerInfo:
    """What an exported text tower is and how to run it."""

    fingerprint: str
    spec: str
    zero_shot: bool
    layers: int
    heads: int
    activation: Activation
    eps: float
    causal: bool
    context_length: int
    layer_scale: bool
    open_clip_version: str
    vocab_path: str
    format: str = FORMAT

    def to_metadata(self) -> dict[str, str]:
        """safetensors metadata (strings only)."""
        return {"glimpse": json.dumps(asdict(self), sort_keys=True)}

    @classmethod
    def from_metadata(cls, metadata: dict[str, str] | None) -> TowerInfo:
        """Parse to_metadata's output; ValueError when it is not a tower export."""
        try:
            data = json.loads((metadata or {})["glimpse"])
            data["activation"] = Activation(data["activation"])
            return cls(**data)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a Glimpse text tower export ({exc})") from exc


#: Per block: LayerNorms, fused q/k/v and output projections, MLP, optional layer scales.
BLOCK_KEYS: tuple[str, ...] = ("ln1_w", "ln1_b", "qkv_w", "qkv_b", "out_w", "out_b", "ln2_w", "ln2_b")
BLOCK_KEYS += ("fc_w", "fc_b", "proj_w", "proj_b", "ls1", "ls2")


def block_names(i: int) -> dict[str, str]:
    """The tensor names of block i in the export."""
    return {k: f"blocks.{i}.{k}" for k in BLOCK_KEYS}


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centered = x - mean
    var = (centered * centered).mean(axis=-1, keepdims=True)
    return centered / np.sqrt(var + eps) * w + b


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to ~1.5e-7 (Abramowitz & Stegun 7.1.26); NumPy has none and SciPy costs a second to import."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def activate(x: np.ndarray, kind: Activation) -> np.ndarray:
    """The MLP's activation on x."""
    if kind is Activation.QUICK_GELU:
        return x / (1.0 + np.exp(-1.702 * x))
    if kind is Activation.GELU:
        return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))
    inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)
    return 0.5 * x * (1.0 + np.tanh(inner))


def _softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


def read_header(path: Path) -> tuple[dict, int]:
    """A safetensors file's JSON header and the offset its data starts at; ValueError if malformed.

    The published layout: an unsigned 64-bit little-endian header length, the JSON header (per
    tensor: dtype, shape, data_offsets relative to the data), then the data.
    """
    with open(path, "rb") as handle:
        try:
            (length,) = struct.unpack("<Q", handle.read(8))
        except struct.error as exc:
            raise ValueError("too short for a header") from exc
        if length > MAX_HEADER_BYTES:
            raise ValueError(f"header of {length} bytes")
        header = json.loads(handle.read(length))
    if not isinstance(header, dict):
        raise ValueError("header is not a JSON object")
    return header, 8 + length


def map_tensors(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The float32 tensors of a safetensors file, memory-mapped read-only (pages load as they are used).

    Mapping instead of copying keeps a cold query from reading every weight twice: a ViT-B/32 text
    tower is 250 MB, of which a query touches the transformer (150 MB) and a dozen embedding rows.
    """
    header, start = read_header(path)
    with open(path, "rb") as handle:
        buffer = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    tensors: dict[str, np.ndarray] = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = (int(v) for v in entry["data_offsets"])
        shape = tuple(int(v) for v in entry["shape"])
        count = math.prod(shape)
        if entry["dtype"] != "F32" or end - begin != 4 * count or start + end > len(buffer):
            raise ValueError(f"tensor {name} is not a float32 block inside the file")
        tensors[name] = np.frombuffer(buffer, dtype="<f4", count=count, offset=start + begin).reshape(shape)
    return tensors, dict(header.get("__metadata__") or {})


class NumpyTextTower:
    """Runs an exported text tower: token ids -> unit query vectors, float32, no torch."""

    def __init__(self, path: Path) -> None:
        """Open an export; ValueError, KeyError or OSError when it is unreadable or not one."""
        self.path = Path(path)
        tensors, metadata = map_tensors(self.path)
        self.info = TowerInfo.from_metadata(metadata)
        if self.info.format != FORMAT:
            raise ValueError(f"export format {self.info.format}, expected {FORMAT}")
        self._embedding = tensors["token_embedding"]
        self._blocks = [
            {k: tensors[name] for k, name in block_names(i).items() if name in tensors}
            for i in range(self.info.layers)
        ]
        self._positions = tensors["positional_embedding"]
        self._ln_final = (tensors["ln_final_w"], tensors["ln_final_b"])
        self._projection = tensors["text_projection"]
        self._projection_bias = tensors.get("text_projection_b")

    @property
    def dim(self) -> int:
        """The query vector's dimension."""
        return int(self._projection.shape[-1])

    def _attention(self, x: np.ndarray, blk: dict[str, np.ndarray]) -> np.ndarray:
        length, width = x.shape
        heads = self.info.heads
        qkv = x @ blk["qkv_w"] + blk["qkv_b"]  # [L, 3W]
        q, k, v = (
            part.reshape(length, heads, width // heads).transpose(1, 0, 2) for part in np.split(qkv, 3, -1)
        )
        logits = (q @ k.transpose(0, 2, 1)) / math.sqrt(width // heads)  # [h, L, L]
        if self.info.causal:
            logits = logits + np.triu(np.full((length, length), -np.inf, dtype=np.float32), 1)
        mixed = (_softmax(logits) @ v).transpose(1, 0, 2).reshape(length, width)
        return mixed @ blk["out_w"] + blk["out_b"]

    def _run_block(self, x: np.ndarray, blk: dict[str, np.ndarray]) -> np.ndarray:
        eps = self.info.eps
        attn = self._attention(_layer_norm(x, blk["ln1_w"], blk["ln1_b"], eps), blk)
        x = x + (attn * blk["ls1"] if "ls1" in blk else attn)
        h = _layer_norm(x, blk["ln2_w"], blk["ln2_b"], eps) @ blk["fc_w"] + blk["fc_b"]
        mlp = activate(h, self.info.activation) @ blk["proj_w"] + blk["proj_b"]
        return x + (mlp * blk["ls2"] if "ls2" in blk else mlp)

    def _embed(self, ids: list[int]) -> np.ndarray:
        return self._embedding[np.asarray(ids)] + self._positions[: len(ids)]

    def encode_ids(self, ids: list[int]) -> np.ndarray:
        """One text's ids (start ... end, no padding) -> its unit vector [D] float32."""
        x = self._embed(ids).astype(np.float32)
        for blk in self._blocks:
            x = self._run_block(x, blk)
        pooled = _layer_norm(x[-1], *self._ln_final, self.info.eps)
        vec = pooled @ self._projection
        if self._projection_bias is not None:
            vec = vec + self._projection_bias
        norm = float(np.linalg.norm(vec))
        return (vec / max(norm, 1e-12)).astype(np.float32)
