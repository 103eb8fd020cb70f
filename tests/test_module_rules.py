"""The Equinox abstract/final pattern, kept true for every public class.

- A class is abstract (its name starts with `Abstract`) or final: no public concrete
  class has a subclass inside eqdist.
- A concrete method, property or attribute is never overridden: a subclass only
  implements what a base declares abstract.
- Array parameters are leaves; everything else static (no Python numbers as leaves).
"""

import abc
import inspect

import equinox as eqx
import pytest

import eqdist
import eqdist.constraints
import eqdist.flows
import eqdist.transforms

# Dunder members are Python and dataclass plumbing that every class has; the two
# that carry behaviour are checked like any other method.
_CHECKED_DUNDERS = {"__call__", "__getattr__"}


def _checked(name: str) -> bool:
    is_dunder = name.startswith("__") and name.endswith("__")
    return (not is_dunder and name != "_abc_impl") or name in _CHECKED_DUNDERS


def _public_classes():
    seen = {}
    for module in (eqdist, eqdist.constraints, eqdist.transforms, eqdist.flows):
        for name in dir(module):
            obj = getattr(module, name)
            if (
                inspect.isclass(obj)
                and issubclass(obj, eqx.Module)
                and obj.__module__.startswith("eqdist")
            ):
                seen[obj.__qualname__ + obj.__module__] = obj
    return list(seen.values())


def _eqdist_classes():
    classes = set()
    for cls in _public_classes():
        for base in cls.__mro__:
            if base.__module__.startswith("eqdist"):
                classes.add(base)
    return classes


def _is_abstract_member(value) -> bool:
    if isinstance(value, property):
        value = value.fget
    return getattr(value, "__isabstractmethod__", False)


def _abstract_names(cls) -> set[str]:
    """Names a base declares abstract: abstract methods and AbstractVar/ClassVar."""
    names = {name for name, value in vars(cls).items() if _is_abstract_member(value)}
    for name, annotation in vars(cls).get("__annotations__", {}).items():
        text = annotation if isinstance(annotation, str) else repr(annotation)
        if "AbstractVar" in text or "AbstractClassVar" in text:
            names.add(name)
    return names


def test_there_are_public_classes():
    names = {cls.__name__ for cls in _public_classes()}
    assert {"Normal", "Independent", "TransformedDistribution"} <= names


@pytest.mark.parametrize("cls", sorted(_eqdist_classes(), key=lambda c: c.__name__))
def test_abstract_or_final(cls):
    is_abstract = cls.__name__.startswith("Abstract")
    subclasses = [
        sub for sub in cls.__subclasses__() if sub.__module__.startswith("eqdist")
    ]
    if is_abstract:
        assert inspect.isabstract(cls) or _abstract_names(cls), (
            f"{cls.__name__} is named Abstract but declares nothing abstract"
        )
    else:
        assert not inspect.isabstract(cls), f"{cls.__name__} is concrete but abstract"
        assert not subclasses, (
            f"{cls.__name__} is concrete and subclassed by {subclasses}"
        )


def _overrides(cls) -> list[str]:
    """Every concrete member of an eqdist base that `cls` defines again."""
    own = {name for name in vars(cls) if _checked(name)}
    found = []
    for base in cls.__mro__[1:]:
        if not base.__module__.startswith("eqdist"):
            continue
        abstract = _abstract_names(base)
        found += [
            f"{cls.__name__}.{name} overrides the concrete {base.__name__}.{name}"
            for name in sorted(own & set(vars(base)) - abstract)
        ]
    return found


@pytest.mark.parametrize("cls", sorted(_eqdist_classes(), key=lambda c: c.__name__))
def test_no_concrete_member_is_overridden(cls):
    assert _overrides(cls) == []


def test_the_override_check_catches_a_violation():
    class Sneaky(eqdist.AbstractSimpleDistribution):
        def expand(self, batch_shape):  # concrete in AbstractDistribution
            return self

        def _sample(self, key, sample_shape):  # abstract: allowed
            return key

    Sneaky.__module__ = "eqdist.fake"
    assert _overrides(Sneaky) == [
        "Sneaky.expand overrides the concrete AbstractDistribution.expand"
    ]


def test_abc_is_the_mechanism():
    assert isinstance(eqdist.AbstractDistribution, abc.ABCMeta)
    with pytest.raises(TypeError):
        eqdist.AbstractDistribution()
