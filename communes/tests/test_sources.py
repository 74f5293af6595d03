"""Reading the packages, without the database."""

from collections import Counter

from communes.sources import read_reference_data


def test_sources_give_the_published_figures():
    data = read_reference_data()
    assert len(data.communes) == 148
    assert Counter(c.kind for c in data.communes) == {"xa": 133, "phuong": 15}
    assert Counter(c.former_province for c in data.communes) == {"phu_tho": 66, "hoa_binh": 46, "vinh_phuc": 36}
    assert len(data.former_units) == 479
    assert Counter(u.former_province for u in data.former_units) == {"phu_tho": 207, "hoa_binh": 151, "vinh_phuc": 121}
    assert data.mapping_rows == 482
    assert all(len(c.code) == 5 and c.code.isdigit() for c in data.communes)
    assert all(c.converter_code for c in data.communes)
    assert "vietnam-provinces" in data.version and "vietnam-address-converter" in data.version
