"""A CJK-capable font for the pictures, found through matplotlib's font manager.

Chinese text needs a font with CJK glyphs; without one matplotlib draws empty boxes and warns "Glyph ... missing
from font(s)". Debian's `fonts-noto-cjk` (Binder's apt.txt, `./run tests`) gives Noto Sans CJK SC; other systems
have one of the later names. Latin text stays in DejaVu Sans (matplotlib's own), CJK falls back to the font found
(matplotlib >= 3.6 falls back per glyph along `font.family`).
"""

from __future__ import annotations

import functools
import warnings

#: CJK fonts that cover Simplified Chinese, best first (Debian/Ubuntu, Fedora, macOS, Windows names).
CJK_CANDIDATES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "Droid Sans Fallback", "PingFang SC", "Hiragino Sans GB", "Heiti SC", "STHeiti",
    "Microsoft YaHei", "SimHei", "Noto Sans CJK JP", "Arial Unicode MS",
)
LATIN = "DejaVu Sans"
INSTALL_HINT = ("install a CJK font: `sudo apt-get install fonts-noto-cjk` (Debian/Ubuntu), "
                "`sudo dnf install google-noto-sans-cjk-fonts` (Fedora); macOS and Windows ship one")


class CJKFontMissing(UserWarning):
    """No CJK-capable font was found: Chinese labels would render as empty boxes."""


def _known() -> set[str]:
    from matplotlib import font_manager

    return {f.name for f in font_manager.fontManager.ttflist}


@functools.lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The name of the first CJK-capable font matplotlib can use, or None (with a CJKFontMissing warning)."""
    from matplotlib import font_manager

    found = next((name for name in CJK_CANDIDATES if name in _known()), None)
    if found is None:
        # matplotlib's font cache may predate the font's installation: add system CJK fonts, then look again
        for path in font_manager.findSystemFonts():
            if any(word in path for word in ("CJK", "cjk", "wqy", "DroidSansFallback", "SourceHan")):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        found = next((name for name in CJK_CANDIDATES if name in _known()), None)
    if found is None:
        warnings.warn(f"swarmlab.viz: no CJK font found (tried {', '.join(CJK_CANDIDATES[:4])}, ...): Chinese "
                      f"labels will show as empty boxes; {INSTALL_HINT}", CJKFontMissing, stacklevel=3)
    return found


def families(lang: str) -> list[str]:
    """`font.family` for a picture in `lang`: DejaVu Sans, then the CJK font for Chinese glyphs."""
    if lang != "zh":
        return [LATIN]
    cjk = cjk_font()
    return [LATIN, cjk] if cjk else [LATIN]
