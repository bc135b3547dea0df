"""One parser reads every seqinfo.ini (io.mot.read_seqinfo_section): the sources, the evaluator's sequence
lengths and convert-labels' image sizes agree on what a file says, and reject the same broken files."""
import pytest

from fairmot.data.convert import read_seqinfo
from fairmot.io.mot import MotFormatError, read_seq_length, read_seqinfo_section
from fairmot.io.sources import open_source


def _write(tmp_path, text: str | bytes):
    seq = tmp_path / "SEQ"
    (seq / "img1").mkdir(parents=True, exist_ok=True)
    ini = seq / "seqinfo.ini"
    ini.write_bytes(text if isinstance(text, bytes) else text.encode())
    return seq, ini


def test_fields_keep_their_case_and_percent_signs(tmp_path):
    _, ini = _write(tmp_path, "\ufeff[Sequence]\nname=A%B\nframeRate=14\nseqLength=3\nimWidth=160\nimHeight=128\n")
    fields = read_seqinfo_section(ini)
    assert fields == {"name": "A%B", "frameRate": "14", "seqLength": "3", "imWidth": "160", "imHeight": "128"}


def test_every_reader_agrees_on_one_file(tmp_path):
    seq, _ = _write(tmp_path, "[Sequence]\nname=S\nimDir=img1\nframeRate=14\nseqLength=3\nimWidth=160\nimHeight=128\n")
    info = read_seqinfo(seq)
    assert (info.name, info.width, info.height, info.seq_length) == ("S", 160, 128, 3)
    assert read_seq_length(seq) == 3


@pytest.mark.parametrize("text, message", [
    ("name=S\n", "cannot parse"),                      # no section header at all
    ("[Other]\nname=S\n", r"no \[Sequence\] section"),
    (b"[Sequence]\nname=\xff\n", "not UTF-8"),
])
def test_broken_files_are_refused_by_every_reader(tmp_path, text, message):
    seq, ini = _write(tmp_path, text)
    with pytest.raises(MotFormatError, match=message):
        read_seqinfo_section(ini)
    with pytest.raises(ValueError):
        read_seqinfo(seq)
    with pytest.raises(MotFormatError):
        read_seq_length(seq)
    with pytest.raises(ValueError):
        open_source(str(seq))
