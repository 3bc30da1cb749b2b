"""Service credits of published cloud SLA tier tables, through the pure maths and the API.

Each table is copied with its wording; the tiers are the half-open ranges the wording states.
"""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.contracts.credits import Tier, credit_percent, overlapping
from tests.conftest import api_as
from tests.factories import CreditScheduleFactory

D = Decimal

# Amazon Compute Service Level Agreement (EC2, EBS, ECS, Fargate), Region-Level SLA, 99.99 %.
# https://aws.amazon.com/compute/sla/
#   "Less than 99.99% but equal to or greater than 99.0%"  10%
#   "Less than 99.0% but equal to or greater than 95.0%"   30%
#   "Less than 95.0%"                                       100%
AWS_EC2_REGION = [
    Tier(D("99.0"), D("99.99"), D(10)),
    Tier(D("95.0"), D("99.0"), D(30)),
    Tier(None, D("95.0"), D(100)),
]

# AWS Compute Optimizer SLA, 99.9 %. https://aws.amazon.com/compute-optimizer/sla/
#   "Less than 99.9% but greater than or equal to 99.0%"  10%
#   "Less than 99.0% but greater than or equal to 95.0%"  25%
#   "Less than 95.0%"                                      100%
AWS_COMPUTE_OPTIMIZER = [
    Tier(D("99.0"), D("99.9"), D(10)),
    Tier(D("95.0"), D("99.0"), D(25)),
    Tier(None, D("95.0"), D(100)),
]

# Google Compute Engine SLA, Instances in Multiple Zones, 99.99 %.
# https://cloud.google.com/compute/sla  (Financial Credits, "Percentage of monthly bill")
#   "99.00% – < 99.99%"  10%
#   "95.00% – < 99.00%"  25%
#   "< 95.00%"           100%
GOOGLE_COMPUTE_ENGINE = [
    Tier(D("99.00"), D("99.99"), D(10)),
    Tier(D("95.00"), D("99.00"), D(25)),
    Tier(None, D("95.00"), D(100)),
]

# Microsoft Azure, SLA for Virtual Machines, two or more instances across two or more
# Availability Zones in the same region, 99.99 %.
# https://www.microsoft.com/licensing/docs/view/Service-Level-Agreements-SLA-for-Online-Services
#   "< 99.99%"  10%      "< 99%"  25%      "< 95%"  100%
# (each row applies below its figure and down to the next: [99, 99.99), [95, 99), below 95)
AZURE_VIRTUAL_MACHINES_ZONES = [
    Tier(D(99), D("99.99"), D(10)),
    Tier(D(95), D(99), D(25)),
    Tier(None, D(95), D(100)),
]

PUBLISHED = {
    "aws_ec2_region": AWS_EC2_REGION,
    "aws_compute_optimizer": AWS_COMPUTE_OPTIMIZER,
    "google_compute_engine": GOOGLE_COMPUTE_ENGINE,
    "azure_vm_zones": AZURE_VIRTUAL_MACHINES_ZONES,
}


@pytest.mark.parametrize(
    ("table", "attainment", "credit"),
    [
        # AWS EC2: exactly 99.99 meets the commitment; 99.0 is "equal to or greater than 99.0".
        ("aws_ec2_region", "99.99", 0),
        ("aws_ec2_region", "99.9899", 10),
        ("aws_ec2_region", "99.0", 10),
        ("aws_ec2_region", "98.9999", 30),
        ("aws_ec2_region", "95.0", 30),
        ("aws_ec2_region", "94.9999", 100),
        ("aws_ec2_region", "0", 100),
        ("aws_compute_optimizer", "99.95", 0),
        ("aws_compute_optimizer", "99.9", 0),
        ("aws_compute_optimizer", "99.5", 10),
        ("aws_compute_optimizer", "97", 25),
        ("aws_compute_optimizer", "50", 100),
        ("google_compute_engine", "100", 0),
        ("google_compute_engine", "99.98", 10),
        ("google_compute_engine", "99.00", 10),
        ("google_compute_engine", "98.5", 25),
        ("google_compute_engine", "95.00", 25),
        ("google_compute_engine", "94", 100),
        ("azure_vm_zones", "99.995", 0),
        ("azure_vm_zones", "99.5", 10),
        ("azure_vm_zones", "99", 10),
        ("azure_vm_zones", "98.99", 25),
        ("azure_vm_zones", "95", 25),
        ("azure_vm_zones", "90", 100),
    ],
)
def test_published_tier_tables_give_the_published_credit(table, attainment, credit):
    assert credit_percent(PUBLISHED[table], D(attainment)) == credit


@pytest.mark.parametrize("table", list(PUBLISHED))
def test_published_tables_do_not_overlap(table):
    assert overlapping(PUBLISHED[table]) is None


@pytest.mark.parametrize("table", list(PUBLISHED))
def test_no_data_earns_no_credit(table):
    assert credit_percent(PUBLISHED[table], None) == 0


@given(
    st.sampled_from(list(PUBLISHED.values())),
    st.decimals(min_value=0, max_value=100, places=4),
    st.decimals(min_value=0, max_value=100, places=4),
)
def test_worse_attainment_never_earns_less_credit(tiers, first, second):
    low, high = sorted((first, second))
    assert credit_percent(tiers, low) >= credit_percent(tiers, high)


def test_cap_limits_the_credit():
    assert credit_percent(AWS_EC2_REGION, D("50"), cap_percent=D("25")) == 25


# --- through the API ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("attainment", "credit"), [("99.995", "0.00"), ("99.5", "10.00"), ("97", "30.00")]
)
def test_evaluate_endpoint_applies_the_aws_ec2_schedule(carol, attainment, credit):
    schedule = CreditScheduleFactory(
        name="AWS EC2 region-level",
        tiers=[(t.lower, t.upper, t.credit_percent) for t in AWS_EC2_REGION],
    )
    response = api_as(carol).get(
        f"/api/v1/credit-schedules/{schedule.pk}/evaluate/", {"attainment": attainment}
    )
    assert response.status_code == 200, response.content
    assert response.json()["credit_percent"] == credit


@pytest.mark.django_db
def test_evaluate_endpoint_names_a_bad_attainment(carol, schedule):
    response = api_as(carol).get(
        f"/api/v1/credit-schedules/{schedule.pk}/evaluate/", {"attainment": "lots"}
    )
    assert response.status_code == 400
    assert "attainment" in response.json()
