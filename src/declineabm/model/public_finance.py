"""The local government's year: taxes, pensions, benefits, infrastructure, transfers, support.

Revenue is the tax on wages (social contributions among it) and on profits. Social insurance
pays the pensions of retired townspeople, unemployment benefits and the living allowances of
laid-off state workers; what contributions do not cover, the centre pays: a transfer from the
rest of China, not local debt (pension transfers to the old industrial base were the largest
of them). The rest of the local budget goes, a share on infrastructure, the rest on other
public services, so an ageing, shrinking region has less to maintain its infrastructure with
(causes 4 and 5 reinforce each other). Revitalization support (§2.2.5) comes from the centre
too, and is spent by the policy's targeting; the rest is booked as waste.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from declineabm.model.population import young

if TYPE_CHECKING:
    from declineabm.model.urban_decline import UrbanDeclineModel


def settle_budget(model: UrbanDeclineModel) -> None:
    """Book the year's revenue and spending, pay subsidies and incomes, renew infrastructure.

    Reads the firms' accounts and the residents' status; writes the government's accounts,
    ``firms.subsidy, profit`` (support added), ``residents.income``, ``model.support``,
    ``labour_market.household_income, young_support``, the rest of China's
    ``transfers_paid`` and the ``infrastructure`` layer; counts ``zombie_firms``.
    """
    gov = model.government
    firms, residents = model.firms, model.residents
    economy = model.config.economy
    market = model.labour_market
    gov.open_year()
    gov.environmental_standard = model.environment.stringency()

    wage_bill = firms.wage_bill.sum()
    gov.book("wage_taxes", economy.wage_tax * wage_bill)
    gov.book("profit_taxes", firms.profit_tax.sum())

    urban = model.resident_city() >= 0
    retired = residents.retired & urban  # the urban pension system
    working = model.of_working_age() & urban
    laid_off = residents.laid_off > 0
    unemployed = working & (residents.employer < 0) & ~laid_off
    pension = economy.pension_rate * market.average_wage
    benefit = economy.unemployment_benefit * market.average_wage
    allowance = model.industry.living_allowance()
    gov.book("pensions", pension * retired.sum())
    gov.book("benefits", benefit * unemployed.sum())
    gov.book("allowances", allowance * laid_off.sum())

    support = model.support = model.policy.budget(model.last_output)
    gov.book("waste", support.waste)
    # Failing state-owned firms: losses covered (zombies), unless still protected by the plan.
    eligible = firms.soe & (firms.profit < 0) & ~model.industry.protected()
    soe_subsidy = model.policy.cover_losses(-firms.profit, eligible, firms.workforce, support.soe)
    # New industries: support in proportion to their workforce.
    new_firms = model.policy.new_industry_firms()
    staff = np.where(new_firms, firms.workforce, 0).astype(np.float64)
    new_subsidy = support.new_industries * staff / staff.sum() if staff.sum() > 0 else 0.0 * staff
    model.events["zombie_firms"] = float(firms.represents[soe_subsidy > 0].sum())
    subsidy = soe_subsidy + new_subsidy
    firms.subsidy[:] = subsidy
    firms.profit[:] += subsidy
    is_young = young(residents.age)
    market.young_support = support.young / is_young.sum() if is_young.sum() > 0 else 0.0
    young_paid = market.young_support * is_young.sum()
    gov.book("subsidies", subsidy.sum() + young_paid)

    # Social insurance: what contributions do not cover, the centre transfers.
    contributions = economy.social_contribution * wage_bill
    insured = gov.accounts["pensions"] + gov.accounts["benefits"] + gov.accounts["allowances"]
    gov.book("central_transfers", max(insured - contributions, 0.0))
    local = (
        gov.accounts["profit_taxes"]
        + (economy.wage_tax - economy.social_contribution) * wage_bill
        + max(contributions - insured, 0.0)
    )
    infrastructure = economy.infrastructure_budget * local + support.infrastructure
    gov.book("infrastructure", infrastructure)
    gov.book("public_services", (1.0 - economy.infrastructure_budget) * local)
    model.infrastructure.renew(infrastructure)
    # The centre pays only what was spent or lost on the way.
    gov.book(
        "revitalization_funds",
        support.waste + subsidy.sum() + young_paid + support.infrastructure,
    )
    model.rest_of_china.transfers_paid = gov.transfers * model.persons_per_agent / 1000.0

    # Household incomes of the year.
    employed = residents.employer >= 0
    wage = np.zeros(len(residents))
    wage[employed] = firms.wage[residents.employer[employed]]
    farming = model.farm_workers()
    residents.income[:] = (
        wage
        + np.where(retired, pension, 0.0)
        + np.where(unemployed, benefit, 0.0)
        + np.where(laid_off, allowance, 0.0)
        + np.where(farming, model.farm_income(), 0.0)
        + np.where(is_young, market.young_support, 0.0)
    )
    market.household_income = float(residents.income.sum())
