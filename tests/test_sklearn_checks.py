"""scikit-learn's own estimator checks."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from softmaxreg import SoftmaxRegression, SoftmaxRegressionCV


@parametrize_with_checks([SoftmaxRegression(), SoftmaxRegressionCV(alphas=3, cv=3)])
def test_sklearn_compatible(estimator, check):
    check(estimator)
