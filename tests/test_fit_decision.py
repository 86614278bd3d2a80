"""tools/fit_decision.py as a person refitting the decision meets it."""

from tests.tool_process import run_tool


def test_a_refit_without_the_verifier_halves_stops_with_one_clear_message(tmp_path):
    # The shipped verifier is there, its halves are not: fitting would silently drop the verifier the answer
    # step runs, so the fit refuses before reading any set.
    result = run_tool(
        "import tools.fit_decision as f, pathlib, sys;"
        "f.VERIFIER_WORK = pathlib.Path(sys.argv[1]); sys.argv = ['fit_decision.py', '--write']; f.main()",
        tmp_path,
    )
    assert result.returncode == 2
    assert "half0.int8.onnx, half1.int8.onnx are not in" in result.stderr
    assert "--no-verifier" in result.stderr
    assert "Traceback" not in result.stderr
