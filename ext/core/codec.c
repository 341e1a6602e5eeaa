/*
** The stored forms of a vector row (storage=float32|float16|int8), byte
** for byte whatever the host's byte order:
**   float32: dim IEEE binary32, little-endian;
**   float16: dim IEEE binary16, little-endian, rounded to nearest even;
**   int8:    one binary32 scale (LE), then dim signed bytes, v[d] = scale*q[d]
**            with scale = max|v|/127.
*/
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "core.h"

size_t w2v_row_bytes(int storage, int dim){
  switch( storage ){
    case W2V_STORE_F16: return (size_t)dim*2;
    case W2V_STORE_I8:  return 4 + (size_t)dim;
    default:            return (size_t)dim*4;
  }
}

static void put_u32(unsigned char *p, uint32_t u){
  p[0] = (unsigned char)u; p[1] = (unsigned char)(u>>8); p[2] = (unsigned char)(u>>16); p[3] = (unsigned char)(u>>24);
}
static uint32_t get_u32(const unsigned char *p){
  return (uint32_t)p[0] | (uint32_t)p[1]<<8 | (uint32_t)p[2]<<16 | (uint32_t)p[3]<<24;
}
static void put_f32(unsigned char *p, float f){ uint32_t u; memcpy(&u, &f, 4); put_u32(p, u); }
static float get_f32(const unsigned char *p){ uint32_t u = get_u32(p); float f; memcpy(&f, &u, 4); return f; }

/* binary32 -> binary16, round to nearest even; |f| must be <= 65504. */
static uint16_t half_from_float(float f){
  uint32_t u, sign, e, m;
  memcpy(&u, &f, 4);
  sign = (u>>16) & 0x8000u;
  u &= 0x7fffffffu;
  if( u<0x33000001u ) return (uint16_t)sign;             /* rounds to zero */
  e = u>>23;
  m = u & 0x7fffffu;
  if( e<113 ){                                           /* subnormal half */
    uint32_t shift = 126 - e, mm = m | 0x800000u;
    uint32_t r = mm>>shift, rem = mm & ((1u<<shift)-1), halfway = 1u<<(shift-1);
    if( rem>halfway || (rem==halfway && (r & 1)) ) r++;
    return (uint16_t)(sign | r);
  }else{
    uint32_t h = ((e-112)<<10) | (m>>13), rem = m & 0x1fffu;
    if( rem>0x1000u || (rem==0x1000u && (h & 1)) ) h++;  /* may carry into the exponent: right */
    return (uint16_t)(sign | h);
  }
}

static float float_from_half(uint16_t h){
  uint32_t sign = (uint32_t)(h & 0x8000u)<<16, e = (h>>10) & 0x1f, m = h & 0x3ffu, u;
  float f;
  if( e==0 ){
    f = ldexpf((float)m, -24);                           /* zero or subnormal */
    return sign ? -f : f;
  }
  if( e==31 ) u = sign | 0x7f800000u | (m<<13);         /* inf or NaN */
  else u = sign | ((e+112)<<23) | (m<<13);
  memcpy(&f, &u, 4);
  return f;
}

int w2v_row_encode(int storage, const float *v, int dim, unsigned char *out){
  int d;
  switch( storage ){
    case W2V_STORE_F16:
      for(d=0; d<dim; d++){
        uint16_t h;
        if( !(fabsf(v[d])<=65504.0f) ) return -1;
        h = half_from_float(v[d]);
        out[2*d] = (unsigned char)h;
        out[2*d+1] = (unsigned char)(h>>8);
      }
      return 0;
    case W2V_STORE_I8: {
      float mx = 0, scale, inv;
      for(d=0; d<dim; d++){
        if( !isfinite(v[d]) ) return -1;
        if( fabsf(v[d])>mx ) mx = fabsf(v[d]);
      }
      scale = mx/127.0f;
      inv = mx>0 ? 127.0f/mx : 0;
      put_f32(out, scale);
      for(d=0; d<dim; d++){
        float t = v[d]*inv;
        int q = (int)lrintf(t);
        if( q>127 ) q = 127;
        if( q<-127 ) q = -127;
        out[4+d] = (unsigned char)(int8_t)q;
      }
      return 0;
    }
    default:
      for(d=0; d<dim; d++) if( !isfinite(v[d]) ) return -1;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__==__ORDER_LITTLE_ENDIAN__
      memcpy(out, v, (size_t)dim*4);
#else
      for(d=0; d<dim; d++) put_f32(out + 4*d, v[d]);
#endif
      return 0;
  }
}

int w2v_row_decode(int storage, const unsigned char *in, int dim, float *v){
  int d;
  switch( storage ){
    case W2V_STORE_F16:
      for(d=0; d<dim; d++) v[d] = float_from_half((uint16_t)(in[2*d] | in[2*d+1]<<8));
      break;
    case W2V_STORE_I8: {
      float scale = get_f32(in);
      if( !(scale>=0) || !isfinite(scale) ) return -1;
      for(d=0; d<dim; d++) v[d] = scale*(float)(int8_t)in[4+d];
      break;
    }
    default:
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__==__ORDER_LITTLE_ENDIAN__
      memcpy(v, in, (size_t)dim*4);
#else
      for(d=0; d<dim; d++) v[d] = get_f32(in + 4*d);
#endif
      break;
  }
  for(d=0; d<dim; d++) if( !isfinite(v[d]) ) return -1;
  return 0;
}
