// test_jobs.h — a birthday greeting job and a worker's result for it, as the
// job store's tests build them (io/job_store.h): toyland's member, born on
// 15 September, greeted at 10:00 Beijing time on 2027-09-15.
#pragma once

#include <string>

#include "io/job_store.h"

namespace huitou::test {

// An instant written with its offset ("2027-09-15T10:00:00+08:00").
inline SysSeconds at(const char* text) {
    return *parse_instant(text);
}

inline Job birthday_job(const std::string& member) {
    Job j;
    j.store = "toyland";
    j.kind = Kind::birthday;
    j.member_id = member;
    j.occasion_date = *parse_date("2027-09-15");
    j.id = make_job_id(j.kind, member, j.occasion_date);
    j.channel = Channel::sms;
    j.to = "+8613800138000";
    j.text = "生日快乐";
    j.due_at = at("2027-09-15T10:00:00+08:00");
    j.expires_at = at("2027-09-16T00:00:00+08:00");
    j.created_at = at("2027-09-15T00:00:00+08:00");
    return j;
}

inline ResultMessage result(const Job& j, Outcome o, SysSeconds when) {
    ResultMessage r;
    r.store = j.store;
    r.job_id = j.id;
    r.outcome = o;
    r.provider = "outbox";
    r.at = when;
    return r;
}

}  // namespace huitou::test
