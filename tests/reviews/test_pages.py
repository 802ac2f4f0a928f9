"""The reviews' pages: the supervisors' month and scoring page, the operator's own reviews."""

from decimal import Decimal

import pytest

from reviews.models import Review

pytestmark = pytest.mark.django_db


def test_a_supervisor_scores_a_sampled_call_and_the_operator_acknowledges_it(users, item, criteria, browser):
    supervisor = browser("supervisor")
    page = supervisor.get(f"/reviews/items/{item.pk}/")
    assert page.status_code == 200
    assert "Greeting" in page.text and "Plant identified" in page.text and "Old criterion" not in page.text
    assert "History" in page.text

    saved = supervisor.post(
        f"/reviews/items/{item.pk}/",
        {f"points_{criteria[0].pk}": "4", f"points_{criteria[1].pk}": "3", "comment": "Clear and calm."},
        follow=True,
    )

    assert "Review saved." in saved.text
    review = Review.objects.get()
    # (4×1 + 3×3) / 16 = 81.25, rounded half up
    assert (review.percent, review.reviewer.username) == (Decimal("81.3"), "supervisor")
    operator = browser("operator")
    mine = operator.get("/reviews/mine/")
    assert "Clear and calm." in mine.text and f"{review.percent}%" in mine.text
    operator.post(f"/reviews/mine/{review.pk}/acknowledge/", {"comment": "Thanks"})
    review.refresh_from_db()
    assert review.acknowledged_at is not None and review.operator_comment == "Thanks"
    assert "You acknowledged it" in operator.get("/reviews/mine/").text


def test_a_review_missing_a_criterion_is_refused_with_the_form(users, item, criteria, browser):
    answer = browser("supervisor").post(f"/reviews/items/{item.pk}/", {f"points_{criteria[0].pk}": "4"})

    assert answer.status_code == 200
    assert "This field is required." in answer.text
    assert not Review.objects.exists()


def test_nobody_else_acknowledges_an_operators_review(users, item, criteria, browser):
    from reviews import services

    review = services.review_submit(
        actor=users["supervisor"], item=item, points={c.pk: 1 for c in criteria[:2]}
    )

    assert browser("supervisor").post(f"/reviews/mine/{review.pk}/acknowledge/").status_code == 404
    assert browser("technician").get("/reviews/mine/").status_code == 403
    assert browser("operator").get(f"/reviews/items/{item.pk}/").status_code == 403
    review.refresh_from_db()
    assert review.acknowledged_at is None


def test_the_supervisor_adds_a_criterion(users, browser):
    page = browser("supervisor")
    page.post(
        "/reviews/criteria/",
        {"name": "Callback promised and made", "weight": "2", "position": "4", "active": "on"},
    )

    assert "Callback promised and made" in page.get("/reviews/criteria/").text
