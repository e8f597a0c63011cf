"""The default StorageClass is read in one place, the way the DefaultStorageClass admission plugin reads it."""

from runner.kube.storage_class import DEFAULT_CLASS_ANNOTATION, is_default


def test_the_ga_annotation_in_any_case_makes_a_class_the_default():
    assert is_default({DEFAULT_CLASS_ANNOTATION: "true"})
    assert is_default({DEFAULT_CLASS_ANNOTATION: "True"})


def test_the_beta_annotation_still_counts():
    assert is_default({"storageclass.beta.kubernetes.io/is-default-class": "true"})


def test_false_missing_or_null_annotations_are_not_the_default():
    assert not is_default({DEFAULT_CLASS_ANNOTATION: "false"})
    assert not is_default({"other": "true"})
    assert not is_default(None)
    assert not is_default({})
