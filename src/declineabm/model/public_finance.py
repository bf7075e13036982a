"""The local government's year: taxes, pensions, benefits, infrastructure and support.

Revenue is the tax on wages (including social contributions) and profits, plus the centre's
revitalization funds (§2.2.5). Pensions and unemployment benefits are paid first, so an ageing,
shrinking city has less left for infrastructure (causes 4 and 5 reinforce each other). What
support arrives is spent by the policy's targeting; the rest is booked as waste.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from declineabm.model.mechanisms.policy import YOUNG_AGES

if TYPE_CHECKING:
    from declineabm.model.urban_decline import UrbanDeclineModel


def settle_budget(model: UrbanDeclineModel) -> None:
    """Book the year's revenue and spending, pay subsidies and incomes, renew infrastructure."""
    gov = model.government
    firms, residents = model.firms, model.residents
    economy = model.config.economy
    gov.open_year()
    gov.environmental_standard = model.environment.stringency()

    gov.book("wage_taxes", economy.wage_tax * firms.wage_bill.sum())
    gov.book("profit_taxes", firms.profit_tax.sum())

    age = residents.age
    retired = age >= economy.retirement_age
    working_age = (age >= economy.working_age) & ~retired
    unemployed = working_age & (residents.employer < 0)
    pension = economy.pension_rate * model.average_wage
    benefit = economy.unemployment_benefit * model.average_wage
    gov.book("pensions", pension * retired.sum())
    gov.book("benefits", benefit * unemployed.sum())

    support = model.support = model.policy.budget(model.last_output)
    gov.book("waste", support.waste)

    # Failing state-owned firms: losses covered (zombies), unless still protected by the plan.
    eligible = firms.soe & (firms.profit < 0) & ~model.industry.protected()
    soe_subsidy = model.policy.cover_losses(-firms.profit, eligible, firms.workforce, support.soe)
    # New industries: support in proportion to their workforce.
    new_firms = model.policy.new_industry_firms()
    staff = np.where(new_firms, firms.workforce, 0).astype(np.float64)
    new_subsidy = support.new_industries * staff / staff.sum() if staff.sum() > 0 else 0.0 * staff
    model.events["zombie_firms"] = int((soe_subsidy > 0).sum())
    subsidy = soe_subsidy + new_subsidy
    firms.subsidy[:] = subsidy
    firms.profit[:] += subsidy
    young = (age >= YOUNG_AGES[0]) & (age < YOUNG_AGES[1])
    model.young_support_per_person = support.young / young.sum() if young.sum() > 0 else 0.0
    young_paid = model.young_support_per_person * young.sum()
    gov.book("subsidies", subsidy.sum() + young_paid)

    own_surplus = (
        gov.accounts["wage_taxes"]
        + gov.accounts["profit_taxes"]
        - gov.accounts["pensions"]
        - gov.accounts["benefits"]
    )
    # The surplus left after pensions and benefits is spent: a share on infrastructure, the
    # rest on other public services. A deficit is what the centre must cover (debt).
    discretionary = max(own_surplus, 0.0)
    infrastructure = economy.infrastructure_budget * discretionary + support.infrastructure
    gov.book("infrastructure", infrastructure)
    gov.book("public_services", (1.0 - economy.infrastructure_budget) * discretionary)
    model.infrastructure.renew(infrastructure)
    # The centre pays only what was spent or lost on the way.
    gov.book(
        "revitalization_funds",
        support.waste + subsidy.sum() + young_paid + support.infrastructure,
    )
    gov.close_year()

    # Household incomes of the year.
    employed = residents.employer >= 0
    wage = np.zeros(len(residents))
    wage[employed] = firms.wage[residents.employer[employed]]
    residents.income[:] = (
        wage
        + np.where(retired, pension, 0.0)
        + np.where(unemployed, benefit, 0.0)
        + np.where(young, model.young_support_per_person, 0.0)
    )
    model.household_income = float(residents.income.sum())
