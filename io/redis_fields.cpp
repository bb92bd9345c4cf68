#include "io/redis_fields.h"

namespace huitou {

FieldMap field_map(const RedisReply& flat) {
    FieldMap fields;
    for (std::size_t i = 0; i + 1 < flat.elements.size(); i += 2)
        fields.emplace(flat.elements[i].str, flat.elements[i + 1].str);
    return fields;
}

}  // namespace huitou
