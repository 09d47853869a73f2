from core.downloads import attachment, download_name


def test_names_fold_norwegian_and_sami_letters_instead_of_dropping_them():
    assert download_name("utviklingsplan", "Bodø", "v2", extension="pdf") == "utviklingsplan-bodo-v2.pdf"
    assert download_name("kontrakt", "Kárášjohka", 2026, extension="pdf") == "kontrakt-karasjohka-2026.pdf"
    assert download_name("Fauske og Saltdal", "Ærø/Å", extension="csv") == "fauske-og-saltdal-aero-aa.csv"


def test_the_response_is_an_attachment_with_that_name():
    response = attachment(b"%PDF-", content_type="application/pdf", filename="rapport-1.pdf")
    assert response["Content-Disposition"] == 'attachment; filename="rapport-1.pdf"'
    assert response.content == b"%PDF-"
