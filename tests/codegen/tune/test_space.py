"""Space files: ranges, log scale, categorical and fixed values parsed into typed parameters; an unknown
family, parameter or key, and a value out of a parameter's domain, refused with the accepted ones."""

from __future__ import annotations

import pytest

from codegen.errors import McuforgeError
from codegen.tune.space import ParamKind, SamplerKind, check_teacher, load_space, resolved


def space(tmp_path, text: str):
    p = tmp_path / "space.toml"
    p.write_text(text)
    return load_space(p)


def test_ranges_log_scale_choices_and_fixed_values(tmp_path):
    s = space(tmp_path, """
family = "dscnn"
[params]
width = { low = 0.25, high = 1.0 }
depth = { low = 1, high = 4, step = 1 }
kernel = { choices = [3, 5] }
learning_rate = { low = 1e-4, high = 1e-2, log = true }
dropout = 0.1
[train]
epochs = 3
patience = 1
[search]
sampler = "nsga2"
seed = 7
""")
    kinds = {p.name: p.kind for p in s.params}
    assert kinds == {"width": ParamKind.FLOAT, "depth": ParamKind.INT, "kernel": ParamKind.CATEGORICAL,
                     "learning_rate": ParamKind.FLOAT, "dropout": ParamKind.FIXED}
    assert s.param("learning_rate").log and s.param("kernel").choices == (3, 5)
    assert [p.name for p in s.searched] == ["width", "depth", "kernel", "learning_rate"]
    assert s.train.epochs == 3 and s.train.patience == 1 and s.train.batch_size == 64
    assert s.search.sampler == SamplerKind.NSGA2 and s.search.seed == 7
    # a trial's values over the family's and the trainer's defaults
    v = resolved(s, {"width": 0.5, "depth": 2, "kernel": 5, "learning_rate": 1e-3})
    assert v["dropout"] == 0.1 and v["resolution"] == 1.0 and v["channels"] == 32 and v["temperature"] == 4.0


def test_suggest_draws_from_the_declared_distributions(tmp_path):
    import optuna
    s = space(tmp_path, """
family = "mlp"
[params]
units = { low = 8, high = 64, log = true }
depth = { choices = [1, 2] }
learning_rate = { low = 0.001, high = 0.01 }
""")
    study = optuna.create_study(directions=["maximize"], sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(5):
        t = study.ask()
        values = {p.name: p.suggest(t) for p in s.params}
        assert isinstance(values["units"], int) and 8 <= values["units"] <= 64
        assert values["depth"] in (1, 2) and 0.001 <= values["learning_rate"] <= 0.01
        study.tell(t, 0.0)
    assert isinstance(study.trials[0].distributions["units"], optuna.distributions.IntDistribution)
    assert study.trials[0].distributions["units"].log


@pytest.mark.parametrize("text, says, lists", [
    ('family = "resnet"', "unknown model family 'resnet'", "dscnn"),
    ('family = "dscnn"\n[params]\nwidht = 0.5', "family 'dscnn' has no parameter 'widht'", "width"),
    ('family = "mlp"\n[params]\nunits = { low = 8, hihg = 64 }', "unknown key [params.units] hihg", "low, high"),
    ('family = "mlp"\nepochs = 3', "unknown key epochs", "family, builder, params, train, search"),
    ('family = "mlp"\n[train]\nepoch = 3', "unknown key [train] epoch", "epochs"),
    ('family = "dscnn"\n[params]\nkernel = { low = 1, high = 5 }', "kernel takes one of 1, 3, 5, 7, not a range",
     "choices"),
    ('family = "dscnn"\n[params]\ndepth = { low = 0.5, high = 3.0 }', "depth is a whole number", "low = 0"),
    ('family = "dscnn"\n[params]\nwidth = { low = 0.0, high = 1.0 }', "0.0 out of its domain", "a number > 0"),
    ('family = "mlp"\n[params]\nunits = { low = 64, high = 8 }', "low (64) must be below high (8)", "swap"),
    ('family = "mlp"\n[params]\nlearning_rate = { low = 0.0, high = 0.1, log = true }', "log-scale range needs low > 0",
     "above 0"),
    ('family = "mlp"\nbuilder = "m:f"', "exactly one of family and builder", "builder"),
    ('family = "mlp"\n[search]\nsampler = "grid"', "search.sampler = 'grid'", "tpe, nsga2, random"),
    ('family = "mlp"\n[params]\ndepth = { choices = [] }', "params.depth.choices", "non-empty list"),
    ("family = [", "not valid TOML", "syntax"),
])
def test_a_bad_space_is_refused_with_what_is_accepted(tmp_path, text, says, lists):
    with pytest.raises(McuforgeError) as e:
        space(tmp_path, text)
    assert says in e.value.message, e.value.message
    assert lists in e.value.hint, e.value.hint


def test_distillation_parameters_need_a_teacher(tmp_path):
    s = space(tmp_path, 'family = "mlp"\n[params]\ntemperature = { low = 1.0, high = 8.0 }\nalpha = 0.5')
    check_teacher(s, teacher=True)
    with pytest.raises(McuforgeError) as e:
        check_teacher(s, teacher=False)
    assert "temperature and alpha set, but no --teacher" in e.value.message


def test_a_users_builder_takes_its_own_parameters(tmp_path):
    s = space(tmp_path, 'builder = "mymodels:build"\n[params]\nblocks = { low = 1, high = 3 }\nlearning_rate = 0.01')
    assert s.builder == "mymodels:build" and s.family == "" and s.param("blocks").kind == ParamKind.INT
    with pytest.raises(McuforgeError, match="learning_rate"):   # the trainer's own parameters keep their domain
        space(tmp_path, 'builder = "m:f"\n[params]\nlearning_rate = 2.0')
